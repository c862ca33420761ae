"""Reserve reports: a folder with a multi-page PDF, a JSON file of every number, and CSV tables.

:func:`write_report` fits the model the data support (or takes a given calibration, e.g. a
model file's; or builds one exchange's from its profile), sizes the reserve, and writes:

- ``report.pdf``: the pages listed in :data:`PAGES` (summary, data and model, assumptions and
  method, exceedance curve, reserve against coverage, fit diagnostics, model risk,
  allocation by category and layer, layer prices, standard-formula comparison);
- ``report.json``: the inputs, the provenance and every number in the PDF;
- CSV tables: ``reserve_curve.csv``, ``exceedance_curve.csv``, ``allocation.csv``,
  ``fits.csv``, ``layer_prices.csv``, ``simulation_audit.csv``, ``model_risk.csv`` where
  model risk is computed, ``layer_allocation.csv`` where there is an insurance programme
  and, with a profile, ``standard_formulas.csv`` and ``rates.csv``.

The folder is written atomically (see :mod:`riskmodel.report._files`).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._compute import DEFAULT_TOWER, RUN_KEYS, compute, document
from ._files import ReportFolder, check_target, jsonable
from ._pdf import PAGES, write_pdf

if TYPE_CHECKING:
    import pandas as pd

    from ..calibrate import IndustryCalibration
    from ..profile import ExchangeProfile
    from ..reserving import CreditRules

__all__ = ["DEFAULT_DIR", "DEFAULT_TOWER", "PAGES", "RUN_KEYS", "ReportResult", "write_report"]

#: default folder of ``riskmodel report``
DEFAULT_DIR = "riskmodel-report"


@dataclass(frozen=True)
class ReportResult:
    """Result of :func:`write_report`.

    Attributes
    ----------
    path : pathlib.Path
        The report folder.
    files : tuple of str
        Names of the files in it.
    document : dict
        The content of ``report.json`` (with inf / NaN as strings). Every key but ``"run"``
        (elapsed times, thread count, creation time) is reproduced by the same inputs.
    reserve : ReserveResult
    simulation : SimulationResult
        The simulation behind the reserve curve and the exceedance curve.
    warnings : tuple of str
        The warnings raised while computing (also in the report's notes), led by the
        extrapolation warning where the reserve rests on the fitted tail far beyond the data
        (``document["headline"]["extrapolation"]``).
    """

    path: Path
    files: tuple[str, ...]
    document: dict[str, Any] = field(repr=False)
    reserve: Any = field(repr=False)
    simulation: Any = field(repr=False)
    warnings: tuple[str, ...] = ()

    @property
    def headline(self) -> dict[str, Any]:
        """The headline numbers (reserve gross and net with intervals, TVaR, mean loss)."""
        return self.document["headline"]

    def summary(self) -> str:
        """The headline numbers and where the report is, as text."""
        h = self.headline
        pct = f"{100 * h['coverage']:g}%"
        lines = [
            f"Report written to {self.path} ({', '.join(self.files)})",
            f"  subject: {self.document['report']['subject']}",
            f"  gross reserve at {pct}  USD {h['gross_reserve']:>20,.0f}",
        ]
        if h["credit"]:
            lines.append(f"  insurance credit        USD {h['credit']:>20,.0f}")
        lines.append(
            f"  net reserve             USD {h['net_reserve']:>20,.0f}   "
            f"{100 * h['ci_level']:g}% CI [{h['net_ci'][0]:,.0f}, {h['net_ci'][1]:,.0f}]"
        )
        if "currency" in h:
            lines.append(
                f"                          {h['currency']} {h['net_reserve_in_currency']:>20,.0f}"
            )
        sf = self.document["standard_formulas"]
        if isinstance(sf, list):
            for row in sf:
                if not str(row["requirement"]).startswith("model"):
                    usd = row["usd"]
                    amount = f"{usd:>20,.0f}" if isinstance(usd, float) else f"{usd:>20}"
                    lines.append(f"  {row['requirement']:<38} USD {amount}")
        prov = self.document["provenance"]
        lines.append(
            f"  n_sims {prov.get('n_sims'):,}, seed {prov.get('seed')}, "
            f"riskmodel {prov.get('version')}"
        )
        lines.append(self._model_risk_line())
        if h.get("extrapolation"):
            lines.append(f"WARNING: {h['extrapolation']}")
        return "\n".join(lines)

    def _model_risk_line(self) -> str:
        doc = self.document
        rows = doc.get("model_risk")
        if rows is None:
            return f"  model risk: {doc.get('model_risk_note')}"
        used = [r for r in rows if r["reserve"] is not None]
        lo = min(r["reserve"] for r in used)
        hi = max(r["reserve"] for r in used)
        weights = ", ".join(f"{r['family']} {r['weight']:.2f}" for r in used)
        if doc["inputs"].get("profile") is not None:  # the rows are the industry model's
            return (
                f"  model risk of the industry model: model-averaged reserve USD "
                f"{doc['model_risk_averaged']:,.0f}, families USD {lo:,.0f} to {hi:,.0f} "
                f"(AIC weights {weights})"
            )
        return (
            f"  model-averaged reserve  USD {doc['model_risk_averaged']:>20,.0f}   "
            f"families USD {lo:,.0f} to {hi:,.0f} (AIC weights {weights})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON record (the content of ``report.json``)."""
        return self.document


def write_report(
    out_dir: str | os.PathLike[str] = DEFAULT_DIR,
    *,
    profile: ExchangeProfile | str | os.PathLike[str] | None = None,
    coverage: float = 0.995,
    measure: str = "var",
    n_sims: int = 1_000_000,
    seed: int = 2026,
    data: pd.DataFrame | str | os.PathLike[str] | None = None,
    threshold: float = 1e6,
    since: int | None = None,
    until: int | None = None,
    calibration: IndustryCalibration | None = None,
    level: float = 0.95,
    pricing_n_sims: int | None = None,
    gof_boot: int = 199,
    credit_rules: CreditRules | None = None,
    parameter_uncertainty: bool = False,
    n_threads: int | None = None,
    overwrite: bool = False,
    progress: bool = False,
    backend: str = "numba",
    client: Any = None,
    model_risk: bool | None = None,
) -> ReportResult:
    """Write a reserve report folder: PDF, JSON and CSV tables.

    Parameters
    ----------
    out_dir : str or path-like
        The report folder (default ``riskmodel-report``). It must not exist, or be empty,
        unless ``overwrite``.
    profile : ExchangeProfile, path to a TOML profile, "example", or None
        One exchange (its volume, assets, history, insurance and standard-formula inputs);
        ``None`` reports on the industry model (all exchanges in the data).
    coverage : float
        Coverage probability of the reserve (default 0.995).
    measure : {"var", "tvar"}
        Risk measure of the reserve.
    n_sims : int
        Simulated years (default 1,000,000).
    seed : int
        Seed of every random draw (simulation, pricing, bootstrap).
    data : DataFrame or path, optional
        Losses (``date``, ``category``, ``amount_usd``, any category names); default the
        bundled incidents.
    threshold, since, until
        Reporting threshold (USD) and calendar window of the calibration
        (:func:`riskmodel.calibrate.calibrate_industry`); the default window is the data's
        own (2014 to the last year for the bundled incidents).
    calibration : IndustryCalibration, optional
        The model to report on, instead of ``calibrate_industry(data, threshold=threshold,
        since=since, until=until)`` (then ``threshold``, ``since`` and ``until`` are not
        used): e.g. ``calibrate_industry(severity=..., cap=...)`` or a model file's
        ``riskmodel.spec.load_model(path).calibration()``. ``data`` then only feeds the fit
        diagnostics (default: the bundled incidents when the calibration was fitted to them);
        a model file's severities are shown as stated, without losses to test them on.
    level : float
        Confidence level of the intervals.
    pricing_n_sims : int, optional
        Simulated years per priced layer; default ``min(n_sims, 200_000)``.
    gof_boot : int
        Bootstrap refits of the goodness-of-fit tests per category (0: no tests).
    credit_rules : CreditRules, optional
        Cap and haircut on the insurance credit.
    parameter_uncertainty : bool
        Redraw fitted parameters from their sampling distribution.
    n_threads : int, optional
        Worker threads (the numbers do not depend on it).
    overwrite : bool
        Replace a non-empty ``out_dir`` (atomically: the old folder stays until the new one
        is complete).
    progress : bool
        Progress on stderr: a line per stage, and bars with percentage, rate and time left
        for the simulations and the goodness-of-fit bootstraps.
    backend : {"numba", "dask"}
        ``"dask"``: every simulation, layer price and bootstrap refit runs as tasks on a Dask
        cluster (:func:`riskmodel.simulate`); the numbers are the same as locally.
    client : dask.distributed.Client, optional
        The cluster of ``backend="dask"``; default: the current client.
    model_risk : bool, optional
        The reserve with every category refitted under each candidate severity family, with
        Akaike weights and the model-averaged reserve (:func:`riskmodel.model_risk`, with
        ``seed`` and ``n_sims``; run locally), beside the headline: its own page, and the
        JSON keys ``model_risk`` and ``model_risk_averaged`` (``None`` with
        ``model_risk_note`` saying why when not computed). Default ``None``: computed when the
        model is calibrated from losses (the bundled incidents or ``data``), not for a model
        file (an error if asked) nor, unless asked, for an exchange profile (the rows are
        the industry model's reserves).

    Returns
    -------
    ReportResult

    Raises
    ------
    FileExistsError
        ``out_dir`` is not empty and ``overwrite`` is False (checked before any work).
    NotADirectoryError
        ``out_dir`` is a file.
    ValueError
        ``model_risk=True`` for a model file, or for a calibration whose losses were not
        given (checked before the simulations).

    Notes
    -----
    The reserve comes from :func:`riskmodel.reserve` with ``rng=seed``, and the reserve curve
    and the exceedance curve from the same simulation (one run of ``n_sims`` years, keeping
    the tail down to 90%); layer prices from
    :func:`riskmodel.pricing.price_tower` with the same seed. Warnings of riskmodel raised
    on the way (for example a layer that too few simulated years reach) are not raised to
    the caller: they are written into the report's notes and returned in ``warnings``.

    With an insurance programme, the gross reserve split into the retained part and each
    layer's recovery (:attr:`riskmodel.reserving.ReserveResult.layer_allocation`, with
    standard errors, beside each part's expected annual amount from
    :meth:`~riskmodel.engine.result.SimulationResult.by_layer`) is on the allocation page,
    in ``layer_allocation.csv`` and under the JSON key ``layer_allocation`` (the rows of
    ``riskmodel reserve --json``: ``layer``, ``amount``, ``se``, with ``share``,
    ``expected_annual`` and ``expected_annual_se``; ``None`` without a programme).

    Files are written into a temporary sibling folder, each through a temporary file and
    :func:`os.replace`, and the folder is renamed into place at the end: an error leaves no
    report (or the previous one), never a half-written one.

    Examples
    --------
    >>> res = write_report("my-report", profile="example", n_sims=50_000)  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    """
    target = Path(out_dir)
    check_target(target, overwrite)  # fail before the work, not after
    t0 = time.perf_counter()
    data_ = compute(
        profile=profile,
        coverage=coverage,
        measure=measure,
        n_sims=n_sims,
        seed=seed,
        data=data,
        threshold=threshold,
        since=since,
        until=until,
        level=level,
        pricing_n_sims=pricing_n_sims,
        gof_boot=gof_boot,
        credit_rules=credit_rules,
        parameter_uncertainty=parameter_uncertainty,
        n_threads=n_threads,
        progress=progress,
        backend=backend,
        client=client,
        calibration=calibration,
        model_risk=model_risk,
    )
    created = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if progress:
        print("riskmodel report: writing the PDF, JSON and CSV files", file=sys.stderr)
    with ReportFolder(target, overwrite=overwrite) as folder:
        t = time.perf_counter()
        partial = folder.tmp_path("report.pdf")
        pages = write_pdf(data_, partial, created=created)
        folder.put(partial, "report.pdf")
        data_.timing["pdf_s"] = time.perf_counter() - t
        tables = {
            "reserve_curve.csv": data_.curve.set_index("coverage"),
            "exceedance_curve.csv": data_.exceedance.set_index("exceedance_probability"),
            "allocation.csv": data_.allocation,
            "fits.csv": data_.fits,
            "layer_prices.csv": data_.layers,
            "simulation_audit.csv": data_.audit,
        }
        if data_.standard_formulas is not None:
            tables["standard_formulas.csv"] = data_.standard_formulas
        if data_.rates is not None:
            tables["rates.csv"] = data_.rates
        if data_.model_risk is not None:
            tables["model_risk.csv"] = data_.model_risk.table
        if data_.layer_allocation is not None:
            tables["layer_allocation.csv"] = data_.layer_allocation
        for name, frame in tables.items():
            folder.write_csv(name, frame)
        files = sorted([*folder.files(), "report.json"])
        data_.timing["total_s"] = time.perf_counter() - t0
        doc = jsonable(document(data_, pages, files))
        doc["run"]["created_utc"] = created
        folder.write_json("report.json", doc)
        path = folder.commit()
    return ReportResult(
        path=path,
        files=tuple(files),
        document=doc,
        reserve=data_.reserve,
        simulation=data_.simulation,
        warnings=tuple(data_.warnings),
    )
