"""Fit several severity families to the same losses and rank them."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConvergenceWarning
from .._rng import RNGLike, as_seed_sequence
from ..severity import FAMILIES, get_family
from ._gof import TESTS, GofResult
from ._severity import SeverityFit, fit_severity

__all__ = ["SeverityComparison", "compare_severity"]


@dataclass(frozen=True)
class SeverityComparison:
    """Result of :func:`compare_severity`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per family (index: the family name as given), ranked: converged fits first,
        by ``criterion``. Columns: ``rank``, ``k``, ``loglik``, ``aic``, ``bic``,
        ``delta_aic``, ``delta_bic``, ``converged``, ``params``, ``tail_param``,
        ``tail_value``, ``message`` and, with goodness of fit, ``ks ks_p cvm cvm_p ad ad_p
        adup adup_p``. A family that failed to fit has NaN numbers, ``converged=False`` and
        the reason in ``message``.
    fits : dict
        Family name -> :class:`SeverityFit` (None where the fit raised).
    gof : dict
        Family name -> :class:`GofResult` (empty without goodness of fit).
    criterion : str
        ``"aic"`` or ``"bic"``.
    """

    table: pd.DataFrame
    fits: dict[str, SeverityFit | None] = field(repr=False)
    gof: dict[str, GofResult] = field(repr=False)
    criterion: str = "aic"

    @property
    def best(self) -> SeverityFit:
        """The best-ranked converged fit."""
        ok = self.table[self.table["converged"]]
        if ok.empty:
            raise ValueError("no family converged")
        return self.fits[ok.index[0]]

    def summary(self) -> str:
        """The ranked table as text."""
        cols = ["k", "loglik", "aic", "bic", "delta_aic", "converged", "params"]
        cols += [c for c in ("ks_p", "cvm_p", "ad_p", "adup_p") if c in self.table]
        with pd.option_context("display.width", 160, "display.max_colwidth", 60):
            text = self.table[cols].to_string(float_format=lambda v: f"{v:.4g}")
        notes = [
            f"  {name}: {row.message}" for name, row in self.table.iterrows() if not row.converged
        ]
        return text + ("\nnot converged or failed:\n" + "\n".join(notes) if notes else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record: the table as a list of rows."""
        rows = self.table.reset_index(names="family").to_dict(orient="records")
        return {"criterion": self.criterion, "table": rows}

    def plot(self, ax=None):
        """Log-log survival plot of the losses with every fitted curve."""
        from ..plots import survival_plot

        return survival_plot(self.fits, ax=ax)


def _name(family) -> str:
    return family if isinstance(family, str) else get_family(family).__name__


def compare_severity(
    losses,
    families=None,
    *,
    truncation=None,
    cap=None,
    upper=None,
    gof: bool | int = False,
    rng: RNGLike = None,
    criterion: str = "aic",
    progress: bool = False,
) -> SeverityComparison:
    """Fit several severity families to the same losses and rank them.

    Parameters
    ----------
    losses : array_like
        Observed losses.
    families : sequence of str or Severity subclasses, optional
        Default: every registered family (``riskmodel.severity.FAMILIES``), by public name.
    truncation, cap, upper : float or array_like, optional
        The observation scheme, as in :func:`fit_severity`.
    gof : bool or int, default False
        Goodness of fit: ``True`` for 999 bootstrap refits per family, an int for that many,
        ``False`` or 0 for none.
    rng : int, Generator, SeedSequence or None
        Randomness of the bootstrap (SPEC 7); family ``i`` uses child ``i`` of the root.
    criterion : {"aic", "bic"}
        Ranking criterion.
    progress : bool, default False
        A progress bar of each family's bootstrap on stderr.

    Returns
    -------
    SeverityComparison
        ``.table`` (a ranked DataFrame), ``.fits``, ``.gof``, ``.best``.

    Notes
    -----
    :math:`\\mathrm{AIC} = 2k - 2\\ell` and :math:`\\mathrm{BIC} = k\\log n - 2\\ell` with
    :math:`k` the number of free parameters; a difference below 2 is no evidence either way
    (Burnham & Anderson 2002). All families see the same likelihood (same truncation and
    censoring), so their criteria are comparable. A family that raises or does not converge
    is kept in the table with ``converged=False`` and the reason; non-converged rows rank
    after converged ones.
    """
    if criterion not in ("aic", "bic"):
        raise ValueError(f"criterion: expected 'aic' or 'bic', got {criterion!r}")
    if families is None:
        families = list(FAMILIES)
    families = list(families)
    if not families:
        raise ValueError("families: give at least one family")
    names = [_name(f) for f in families]
    if len(set(names)) != len(names):
        raise ValueError(f"families: repeated family in {names}")
    n_boot = 999 if gof is True else int(gof or 0)
    kids = as_seed_sequence(rng).spawn(len(families)) if n_boot else [None] * len(families)
    rows, fits, gofs = [], {}, {}
    for fam, name, kid in zip(families, names, kids, strict=True):
        row: dict[str, Any] = {"family": name}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit = fit_severity(losses, fam, truncation=truncation, cap=cap, upper=upper)
        except (
            ValueError,
            TypeError,
            FloatingPointError,
            OverflowError,
            ZeroDivisionError,
            np.linalg.LinAlgError,
        ) as exc:
            fits[name] = None
            row.update(
                k=np.nan,
                loglik=np.nan,
                aic=np.nan,
                bic=np.nan,
                converged=False,
                params="",
                tail_param=None,
                tail_value=np.nan,
                message=f"{type(exc).__name__}: {exc}",
            )
            rows.append(row)
            continue
        fits[name] = fit
        tail = fit._space.cls.tail_param
        row.update(
            k=fit.k,
            loglik=fit.loglik,
            aic=fit.aic,
            bic=fit.bic,
            converged=fit.converged,
            params=", ".join(f"{p}={v:.4g}" for p, v in fit.params.items()),
            tail_param=tail,
            tail_value=fit.params.get(tail, np.nan) if tail else np.nan,
            message=fit.message,
        )
        if n_boot and fit.converged:
            g = fit.gof(n_boot=n_boot, rng=kid, progress=progress)
            gofs[name] = g
            for t in TESTS:
                row[t] = g.statistics[t]
                row[f"{t}_p"] = g.pvalues[t]
        rows.append(row)
    table = pd.DataFrame(rows).set_index("family")
    table["converged"] = table["converged"].astype(bool)
    conv = table["converged"]
    for c in ("aic", "bic"):
        table[f"delta_{c}"] = table[c] - table.loc[conv, c].min() if conv.any() else np.nan
    order = sorted(
        table.index,
        key=lambda i: (
            not table.at[i, "converged"],
            np.nan_to_num(table.at[i, criterion], nan=np.inf),
        ),
    )
    table = table.loc[order]
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return SeverityComparison(table=table, fits=fits, gof=gofs, criterion=criterion)
