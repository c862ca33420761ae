"""A book's report folder: PDF, JSON of every number, CSV tables (written atomically).

Files: ``book.pdf`` (summary and assumptions, AEP and OEP curves, the policies' expected loss,
capital and price against premium), ``book.json`` (summary, return-period table, policies,
assumptions, provenance), ``return_periods.csv``, ``policies.csv`` and, unless
``tables=False``, the year and event loss tables (:mod:`riskmodel.book.tables`; Parquet too
when ``pyarrow`` is installed).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..report._files import ReportFolder, jsonable
from .tables import write_tables

__all__ = ["BookReport", "write_book_report"]


@dataclass(frozen=True)
class BookReport:
    """What :func:`write_book_report` wrote."""

    path: Path
    files: tuple[str, ...]
    document: dict[str, Any]

    def summary(self) -> str:
        """A few lines for the terminal."""
        s = self.document["summary"]
        return "\n".join(
            [
                f"{self.document['book']}: {s['policies']} policies, {s['n_sims']:,} years",
                f"premium            USD {s['premium']:>16,.0f}",
                f"average annual loss USD {s['aal']:>15,.0f} (se {s['aal_se']:,.0f})",
                f"1-in-200 loss      USD {s['loss_1_in_200']:>16,.0f}",
                f"capital (TVaR {s['level']:.3g} - EL) USD {s['capital']:>10,.0f}",
                f"price (cost of capital {s['cost_of_capital']:.0%}) USD {s['price']:>9,.0f}",
                f"written to {self.path}: {', '.join(self.files)}",
            ]
        )


def _pdf(result, doc, rp, pol) -> bytes:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    buf = io.BytesIO()
    with PdfPages(buf) as pdf:
        fig = Figure(figsize=(8.27, 11.69))
        s = doc["summary"]
        lines = [
            doc["book"],
            "",
            f"{s['policies']} policies; shared events: {', '.join(s['shared_events']) or 'none'}",
            f"{s['n_sims']:,} simulated years, seed {doc['provenance']['seed']}",
            f"Premium: USD {s['premium']:,.0f}",
            f"Average annual loss: USD {s['aal']:,.0f} (standard error {s['aal_se']:,.0f})",
            f"1-in-100 / 1-in-200 loss: USD {s['loss_1_in_100']:,.0f} / {s['loss_1_in_200']:,.0f}",
            f"Capital (TVaR at {s['level']:g} less expected loss): USD {s['capital']:,.0f}",
            f"Price at {s['cost_of_capital']:.0%} cost of capital: USD {s['price']:,.0f}",
            "",
            "Assumptions:",
        ]
        for a in doc["assumptions"]:
            lines += textwrap.wrap(a, 95, initial_indent="- ", subsequent_indent="  ")
        fig.text(0.06, 0.96, "\n".join(lines), va="top", family="monospace", fontsize=7.5)
        pdf.savefig(fig)

        fig = Figure(figsize=(8.27, 5.5))
        ax = fig.subplots()
        for kind in ("aep", "oep"):
            ax.plot(rp.index, rp[kind], marker="o", label=kind.upper())
            ax.fill_between(rp.index, rp[f"{kind}_lower"], rp[f"{kind}_upper"], alpha=0.2)
        ax.set_xscale("log")
        ax.set_xlabel("return period (years)")
        ax.set_ylabel("insurer's loss (USD)")
        ax.set_title("Book exceedance curves with 95% intervals")
        ax.legend()
        pdf.savefig(fig)

        top = pol.sort_values("capital", ascending=False).head(30)
        fig = Figure(figsize=(8.27, 8))
        ax = fig.subplots()
        y = range(len(top))
        ax.barh([i - 0.2 for i in y], top["price"], height=0.4, label="price (EL + CoC x capital)")
        ax.barh([i + 0.2 for i in y], top["premium"], height=0.4, label="premium")
        ax.set_yticks(list(y), top.index, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("USD")
        ax.set_title(f"Policies by allocated capital (largest {len(top)})")
        ax.legend()
        fig.tight_layout()
        pdf.savefig(fig)
    return buf.getvalue()


def write_book_report(
    out_dir,
    book,
    *,
    n_sims: int = 100_000,
    seed: int = 2026,
    level: float = 0.99,
    cost_of_capital: float = 0.10,
    n_threads: int | None = None,
    tables: bool = True,
    overwrite: bool = False,
    backend: str = "numba",
    client=None,
) -> BookReport:
    """Simulate ``book`` and write its report folder.

    Parameters
    ----------
    out_dir : path
        New or empty folder (or any folder with ``overwrite``).
    book : Book
    n_sims, seed, n_threads, backend, client
        As for :meth:`Book.simulate`.
    level, cost_of_capital : float
        TVaR level of the capital and the cost of capital of the price.
    tables : bool
        Write the year and event loss tables (keeps every loss in memory).
    overwrite : bool

    Returns
    -------
    BookReport

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from riskmodel.book import example_book
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "rep"
    >>> rep = write_book_report(out, example_book(3), n_sims=2_000, seed=1)
    >>> "book.pdf" in rep.files and "year_loss_table.csv" in rep.files
    True
    """
    result = book.simulate(
        n_sims,
        rng=seed,
        n_threads=n_threads,
        keep_losses=tables,
        backend=backend,
        client=client,
    )
    rp = result.return_period_table(
        [t for t in (10, 25, 50, 100, 200, 250, 500, 1000) if t <= n_sims]
    )
    pol = result.policy_table(level=level, cost_of_capital=cost_of_capital)
    doc = {
        "book": book.name,
        "source": book.source,
        "summary": result.summary(level=level, cost_of_capital=cost_of_capital),
        "return_periods": rp.reset_index().to_dict(orient="records"),
        "policies": pol.reset_index().to_dict(orient="records"),
        "assumptions": list(book.assumptions),
        "notes": [
            "Amounts in USD. Losses are the insurer's: its share of each policy's recoveries.",
            "Capital = TVaR at the level less the expected loss, allocated by co-TVaR; price = "
            "expected loss + cost of capital x capital.",
        ],
        "provenance": result.provenance,
    }
    with ReportFolder(Path(out_dir), overwrite=overwrite) as folder:
        folder.write_json("book.json", jsonable(doc))
        folder.write_csv("return_periods.csv", rp)
        folder.write_csv("policies.csv", pol)
        if tables:
            write_tables(result, folder)
        folder.write_bytes("book.pdf", _pdf(result, doc, rp, pol))
        files = tuple(folder.files())
        path = folder.commit()
    return BookReport(path=path, files=files, document=jsonable(doc))
