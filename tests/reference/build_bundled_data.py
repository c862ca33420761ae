"""Build the curated data files bundled in ``riskmodel/data/`` from the compiled source tables.

Run from the repository root when the source tables change::

    python tests/reference/build_bundled_data.py SOURCE [--out riskmodel/data]

``SOURCE`` is the folder holding the two compiled source tables (in this project's checkouts:
``../shared/data``, next to the repository)::

    cex_incidents_compiled.csv        151 incidents at exchanges and related custodians
    japan_exposure_and_volumes.csv    46 Japanese exposure figures

Where they come from: both were compiled for this project from public sources, and
every row keeps its source. The incident rows of 2011-2023 cite a public scrape of the De.Fi
REKT database (GitHub repository ``liqtags/crypto-rekts``, commit ``39b2d7c0``) plus the
record's original proof link; the rows of 2024-2025 cite De.Fi REKT and rekt.news extracts in
``e3o8o/legitimate-intervention-framework`` (commit ``5a9047ea``), the DPRK incident table of
``tayvano/lazarus-bluenoroff-research``, or news and company pages directly; ``alt_amounts``
keeps other sources' figures (among them Charoenwong and Bernardi 2022, SSRN 3944435). The
exposure rows cite JVCEA figures presented to the FSA study group (2018-04-10, archived at
megalodon.jp), news reports of JVCEA and FSA statistics, and the FSA working-group report of
2025-12-10. The folder's README describes the columns; ``riskmodel/data/DATACARD.md``
describes the bundled copies and their terms.

The script writes ``incidents.csv`` and ``japan_exposure.csv`` into ``--out`` (default: the
package's ``riskmodel/data/``). Every curation decision lives in this file (and is described in
the data card), so the bundled copies can be rebuilt and checked:
``tests/data/test_bundled_build.py`` rebuilds them into a temporary folder and compares them
byte for byte when ``RISKMODEL_SOURCE_DATA`` names the source folder. The package never reads
the source folder.

The script prints a curation log: row counts, duplicate checks, rows with missing amounts, and
the source rows of the exposure file that were left out (with the reason).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import re
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = REPO / "riskmodel" / "data"
SOURCE_FILES = ("cex_incidents_compiled.csv", "japan_exposure_and_volumes.csv")

INCIDENT_COLUMNS = [
    "date",
    "date_precision",
    "exchange",
    "country",
    "category",
    "amount_usd",
    "amount_status",
    "asset",
    "source",
    "confidence",
    "cex",
    "entity_type",
    "funds_returned_usd",
    "alt_amounts",
    "country_basis",
    "description",
    "defi_label",
    "source_row",
]

EXPOSURE_COLUMNS = [
    "period",
    "period_type",
    "period_start",
    "period_end",
    "level",
    "scope",
    "metric",
    "kind",
    "value",
    "unit",
    "approximate",
    "qualifier",
    "reported_value",
    "reported_unit",
    "from_notes",
    "source",
    "notes",
    "source_row",
]

# Rows whose amount_usd is empty in the source, and what the curated copy does with them.
# Decided row by row; the builder fails if other rows have an empty amount.
MISSING_AMOUNTS = {
    ("2019-06-03", "Coinroom"): (
        "",
        "unknown",
        "curation: amount not reported in any source; kept with amount_usd missing",
    ),
    ("2022-12-14", "Gemini"): (
        "0",
        "no_loss",
        "curation: amount empty in source; set to 0 because the row records a data leak "
        "with no customer funds lost",
    ),
}


def _fmt_number(x: float) -> str:
    """Write a float without a spurious '.0' for whole numbers."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e17:
        return str(int(x))
    return repr(x)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# --------------------------------------------------------------------------- incidents


def _incident_date(text: str) -> tuple[str, str]:
    """ISO date and its precision ('day' or 'month') from a source date."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        date.fromisoformat(text)
        return text, "day"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return f"{text}-01", "month"
    raise ValueError(f"unexpected date {text!r}")


def build_incidents(source: Path, log: list[str]) -> list[dict[str, str]]:
    """Curate ``cex_incidents_compiled.csv`` into the bundled incident table."""
    raw = _read(source / "cex_incidents_compiled.csv")
    log.append(f"incidents: {len(raw)} source rows")
    out = []
    for line, r in enumerate(raw, start=2):
        iso, precision = _incident_date(r["date"].strip())
        category = r["category"].strip()
        if category not in ("hack", "fraud", "operational"):
            raise ValueError(f"line {line}: unknown category {category!r}")
        if r["cex_flag"] not in ("0", "1"):
            raise ValueError(f"line {line}: cex_flag {r['cex_flag']!r}")
        if r["confidence"] not in ("medium", "low"):
            raise ValueError(f"line {line}: confidence {r['confidence']!r}")
        if not r["source"].strip():
            raise ValueError(f"line {line}: no source")
        description = [s.strip() for s in (r["subcategory"], r["notes"]) if s.strip()]
        text = r["amount_usd"].strip()
        if text:
            amount = float(text)
            if amount < 0:
                raise ValueError(f"line {line}: negative amount")
            amount_text = _fmt_number(amount)
            status = "reported" if amount > 0 else "no_loss"
        else:
            key = (r["date"], r["exchange"])
            if key not in MISSING_AMOUNTS:
                raise ValueError(f"line {line}: empty amount not reviewed: {key}")
            amount_text, status, why = MISSING_AMOUNTS[key]
            description.append(why)
            log.append(f"  line {line} {key}: amount empty -> {status} ({why})")
        returned = r["funds_returned_usd"].strip()
        out.append(
            {
                "date": iso,
                "date_precision": precision,
                "exchange": r["exchange"].strip(),
                "country": r["country"].strip(),
                "category": category,
                "amount_usd": amount_text,
                "amount_status": status,
                "asset": r["asset"].strip(),
                "source": r["source"].strip(),
                "confidence": r["confidence"],
                "cex": r["cex_flag"],
                "entity_type": r["entity_type"].strip(),
                "funds_returned_usd": _fmt_number(float(returned)) if returned else "",
                "alt_amounts": r["alt_amounts"].strip(),
                "country_basis": r["country_basis"].strip(),
                "description": "; ".join(description),
                "defi_label": r["defi_scam_type"].strip(),
                "source_row": str(line),
            }
        )
    out.sort(key=lambda row: row["date"])  # stable: ties keep the source order
    _check_incidents(out, log)
    return out


def _norm_name(name: str) -> str:
    name = re.sub(r"\(.*?\)", "", name.lower())
    return re.sub(r"[^a-z0-9]", "", name)


def _check_incidents(rows: list[dict[str, str]], log: list[str]) -> None:
    content = [tuple(v for k, v in r.items() if k != "source_row") for r in rows]
    dup = [c for c, n in Counter(content).items() if n > 1]
    log.append(f"  exact duplicate rows: {len(dup)}")
    same_day = Counter((r["date"], _norm_name(r["exchange"])) for r in rows)
    log.append(f"  same venue on the same date: {sum(n > 1 for n in same_day.values())}")
    by_venue: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_venue.setdefault(_norm_name(r["exchange"]), []).append(r)
    for venue_rows in by_venue.values():
        for a, b in itertools.pairwise(venue_rows):
            gap = (date.fromisoformat(b["date"]) - date.fromisoformat(a["date"])).days
            if gap <= 31:
                log.append(
                    f"  same venue within {gap} days (kept, check overlap): "
                    f"{a['date']} {a['exchange']} {a['category']} {a['amount_usd']} / "
                    f"{b['date']} {b['exchange']} {b['category']} {b['amount_usd']}"
                )
    cex = [r for r in rows if r["cex"] == "1"]
    log.append(f"  cex rows: {len(cex)}, context rows: {len(rows) - len(cex)}")
    for label, subset in (("cex", cex), ("all", rows)):
        counts = Counter(r["category"] for r in subset)
        log.append(f"  {label} by category: {dict(sorted(counts.items()))}")
    status = Counter(r["amount_status"] for r in rows)
    log.append(f"  amount_status: {dict(sorted(status.items()))}")
    total = sum(float(r["amount_usd"]) for r in cex if r["amount_usd"])
    ftx = sum(float(r["amount_usd"]) for r in cex if r["amount_usd"] and r["exchange"] == "FTX")
    thodex = sum(
        float(r["amount_usd"]) for r in cex if r["amount_usd"] and r["exchange"] == "Thodex"
    )
    log.append(
        f"  cex total ${total / 1e9:.2f}bn; FTX ${ftx / 1e9:.2f}bn ({ftx / total:.0%}); "
        f"Thodex {thodex / total:.0%}"
    )
    month = [r for r in rows if r["date_precision"] == "month"]
    for r in month:
        log.append(f"  month-only date: {r['date']} {r['exchange']} (day set to 01)")


# --------------------------------------------------------------------------- exposure

OKU = Decimal(100_000_000)  # JPY 100m (oku-yen)

# period label in the source -> (period, period_type, start, end)
PERIODS = {
    "FY2014 (Apr2014-Mar2015)": ("FY2014", "fiscal_year", "2014-04-01", "2015-03-31"),
    "FY2015": ("FY2015", "fiscal_year", "2015-04-01", "2016-03-31"),
    "FY2016": ("FY2016", "fiscal_year", "2016-04-01", "2017-03-31"),
    "FY2017": ("FY2017", "fiscal_year", "2017-04-01", "2018-03-31"),
    "2017": ("2017", "calendar_year", "2017-01-01", "2017-12-31"),
    "2018-09-11": ("2018-09-11", "day", "2018-09-11", "2018-09-11"),
}

# source metric -> (metric, kind)
METRICS = {
    "spot trading volume": ("spot_volume", "flow"),
    "margin/credit/futures volume": ("margin_volume", "flow"),
    "margin trading volume": ("margin_volume", "flow"),
    "active traders": ("active_traders", "stock"),
    "registered exchanges": ("registered_operators", "stock"),
    "registered exchanges (FSA study group data)": ("registered_operators", "stock"),
    "registered exchange operators": ("registered_operators", "stock"),
    "accounts": ("accounts", "stock"),
    "24h volume": ("volume_24h", "flow"),
}

UNITS = {
    "JPY 100m (oku-yen)": ("JPY", OKU),
    "JPY 100m": ("JPY", OKU),
    "count": ("count", Decimal(1)),
    "million": ("count", Decimal(1_000_000)),
}

# Figures stated only in the notes of a source row, keyed by that row's (period, metric):
# (period, metric, kind, value, unit, qualifier, text). ``text`` must occur in the notes.
FROM_NOTES = {
    ("2019-08", "spot trading volume"): [
        ("2019-08", "total_volume", "flow", 4.6e12, "JPY", "~", "total incl. margin ~¥4.6tn"),
        ("2019-08", "accounts", "stock", 3.0e6, "count", "~", "~3.0m accounts"),
        ("2019-08", "customer_deposits", "stock", 379.2e9, "JPY", "", "deposits ¥379.2bn"),
        ("2019-08", "customer_deposits_crypto", "stock", 288.9e9, "JPY", "", "crypto ¥288.9bn"),
    ],
    ("2019-11", "spot trading volume"): [
        ("2019-11", "margin_volume", "flow", 3.047e12, "JPY", "", "margin ¥3.047tn"),
        ("2019-11", "accounts", "stock", 3.19e6, "count", "", "3.19m accounts"),
        ("2019-11", "active_accounts", "stock", 1.99e6, "count", "", "1.99m active"),
    ],
    ("2020-05", "spot trading volume"): [
        ("2020-05", "margin_volume", "flow", 6.5819e12, "JPY", "", "margin ¥6.5819tn"),
    ],
    ("2020-06", "spot trading volume"): [
        ("2020-06", "margin_volume", "flow", 4.1486e12, "JPY", "", "margin ¥4.1486tn"),
    ],
    ("2025-10", "registered exchange operators"): [
        ("2025-12-10", "accounts", "stock", 13e6, "count", ">", ">13m accounts"),
        ("2025-12-10", "customer_deposits", "stock", 5e12, "JPY", ">", "user deposits >¥5tn"),
    ],
}

EXCLUDED_EXPOSURE = {
    "c.2022-11..2023 (undated)": (
        "undated CoinGecko 24h BTC-volume snapshot without a public URL; mostly non-Japanese "
        "venues"
    ),
    "2024 (pre-hack)": "low confidence: unsourced knowledge-base text, not a primary source",
}


def _period(label: str) -> tuple[str, str, str, str]:
    if label in PERIODS:
        return PERIODS[label]
    if re.fullmatch(r"\d{4}-\d{2}", label):
        year, month = map(int, label.split("-"))
        nxt = date(year + month // 12, month % 12 + 1, 1)
        end = date.fromordinal(nxt.toordinal() - 1)
        return label, "month", f"{label}-01", end.isoformat()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", label):
        return label, "day", label, label
    raise ValueError(f"unexpected period {label!r}")


def build_exposure(source: Path, log: list[str]) -> list[dict[str, str]]:
    """Curate ``japan_exposure_and_volumes.csv`` into the bundled exposure table."""
    raw = _read(source / "japan_exposure_and_volumes.csv")
    log.append(f"exposure: {len(raw)} source rows")
    out: list[dict[str, str]] = []
    last_url = ""
    excluded = Counter()
    by_line = {}
    for line, r in enumerate(raw, start=2):
        by_line[line] = r
        src = r["source"].strip()
        if src.startswith("http"):
            last_url = src
        if r["period"] in EXCLUDED_EXPOSURE:
            excluded[r["period"]] += 1
            continue
        if src in ("same as above", "same"):
            src = last_url
        if not src.startswith("http"):
            raise ValueError(f"line {line}: no public URL: {src!r}")
        period, ptype, start, end = _period(r["period"].strip())
        if r["metric"] not in METRICS:
            raise ValueError(f"line {line}: unknown metric {r['metric']!r}")
        metric, kind = METRICS[r["metric"]]
        unit, factor = UNITS[r["unit"].strip()]
        text = r["value"].strip()
        qualifier = "~" if text.startswith("~") else ""
        value = float(Decimal(text.lstrip("~")) * factor)  # exact: 8422.71 oku -> 842271000000
        scope = r["scope"].strip()
        level = "market" if scope.startswith(("Japan", "JVCEA")) else "exchange"
        out.append(
            {
                "period": period,
                "period_type": ptype,
                "period_start": start,
                "period_end": end,
                "level": level,
                "scope": scope,
                "metric": metric,
                "kind": kind,
                "value": _fmt_number(value),
                "unit": unit,
                "approximate": "1" if qualifier else "0",
                "qualifier": qualifier,
                "reported_value": text,
                "reported_unit": r["unit"].strip(),
                "from_notes": "0",
                "source": src,
                "notes": r["notes"].strip(),
                "source_row": str(line),
            }
        )
    n_notes = 0
    for (src_period, src_metric), figures in FROM_NOTES.items():
        line, r = next(
            (ln, r)
            for ln, r in by_line.items()
            if (r["period"], r["metric"]) == (src_period, src_metric)
        )
        row = next(o for o in out if o["source_row"] == str(line))
        for label, metric, kind, value, unit, qualifier, text in figures:
            if text not in r["notes"]:
                raise ValueError(f"line {line}: {text!r} not found in notes {r['notes']!r}")
            if label == "2025-12-10":
                period, ptype, start, end = label, "report_date", label, label
                note = "FSA working-group report of 2025-12-10, as cited by the source"
            else:
                period, ptype, start, end = _period(label)
                note = f"from the notes of the {row['metric']} row for the same period"
            n_notes += 1
            out.append(
                {
                    "period": period,
                    "period_type": ptype,
                    "period_start": start,
                    "period_end": end,
                    "level": "market",
                    "scope": r["scope"].strip(),
                    "metric": metric,
                    "kind": kind,
                    "value": _fmt_number(value),
                    "unit": unit,
                    "approximate": "1" if qualifier else "0",
                    "qualifier": qualifier,
                    "reported_value": text,
                    "reported_unit": "",
                    "from_notes": "1",
                    "source": row["source"],
                    "notes": note,
                    "source_row": str(line),
                }
            )
    for period, n in excluded.items():
        log.append(f"  left out {n} rows '{period}': {EXCLUDED_EXPOSURE[period]}")
    out.sort(key=lambda o: (o["period_start"], o["level"], o["scope"], o["metric"]))
    keys = Counter((o["period"], o["scope"], o["metric"]) for o in out)
    dups = [k for k, n in keys.items() if n > 1]
    if dups:
        raise ValueError(f"duplicate exposure rows: {dups}")
    kept = len(raw) - sum(excluded.values())
    log.append(f"  kept {kept} source rows + {n_notes} figures from their notes")
    log.append(f"  metrics: {dict(sorted(Counter(o['metric'] for o in out).items()))}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder with " + " and ".join(SOURCE_FILES))
    parser.add_argument(
        "--out", type=Path, default=OUT_DIR, help=f"output folder (default: {OUT_DIR})"
    )
    args = parser.parse_args(argv)
    missing = [name for name in SOURCE_FILES if not (args.source / name).is_file()]
    if missing:
        parser.error(f"{args.source}: missing {', '.join(missing)}")
    if not args.out.is_dir():
        parser.error(f"--out {args.out}: not a folder")
    log: list[str] = []
    incidents = build_incidents(args.source, log)
    exposure = build_exposure(args.source, log)
    _write(args.out / "incidents.csv", INCIDENT_COLUMNS, incidents)
    _write(args.out / "japan_exposure.csv", EXPOSURE_COLUMNS, exposure)
    log.append(f"wrote {len(incidents)} incidents, {len(exposure)} exposure rows to {args.out}")
    print("\n".join(log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
