"""The default severity family: the documented selection rule.

Rule (:func:`select_severity`), applied to one category's losses above the reporting threshold,
every candidate fitted with the same left truncation:

1. keep the fits that converged with finite standard errors (an *identified* fit);
2. walk them in order of increasing AIC and take the first whose Cramér-von Mises
   goodness-of-fit p-value (parametric bootstrap with refitting, ``gof`` refits) is at least
   ``min_pvalue`` (5%);
3. if none passes, take the lowest-AIC identified fit and say so.

With fewer than :data:`MIN_GOF_LOSSES` (20) losses step 2 is skipped: the lowest-AIC
identified fit is taken (a bootstrap test on a dozen losses has next to no power, and its
refits fail often and slowly).

The Cramér-von Mises test is used rather than Anderson-Darling because reported amounts are
rounded and pile up at the reporting threshold, where Anderson-Darling puts most weight (on the
bundled fraud losses every family fails it at 1%, while none fails Cramér-von Mises). Only the
fits the walk reaches are tested, so the rule costs one bootstrap per category when the
best-AIC fit passes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._rng import RNGLike, as_seed_sequence
from ..severity import FAMILIES, get_family
from ._compare import SeverityComparison, compare_severity
from ._severity import SeverityFit

__all__ = ["DEFAULT_CANDIDATES", "SeveritySelection", "select_severity"]

#: candidate families of the default selection: every registered family
DEFAULT_CANDIDATES: tuple[str, ...] = tuple(FAMILIES)

#: goodness-of-fit test of the rule (a column of :class:`~riskmodel.fit.GofResult`)
TEST = "cvm"

#: fewest losses for the goodness-of-fit step: below it the bootstrap test has next to no
#: power and its refits fail often (and slowly), so the rule is the lowest AIC alone
MIN_GOF_LOSSES = 20


@dataclass(frozen=True)
class SeveritySelection:
    """Result of :func:`select_severity`.

    Attributes
    ----------
    family : str
        The chosen family (its public name).
    fit : SeverityFit
        Its fit.
    reason : str
        One sentence: why this family (the rule's outcome, with AIC and p-value).
    comparison : SeverityComparison
        Every candidate's fit, ranked by AIC.
    pvalues : dict
        Cramér-von Mises p-values of the fits the rule tested, by family.
    """

    family: str
    fit: SeverityFit
    reason: str
    comparison: SeverityComparison = field(repr=False)
    pvalues: dict[str, float] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """The candidates ranked by AIC with ``identified``, ``cvm_p`` and ``chosen``."""
        t = self.comparison.table.copy()
        t["identified"] = [_identified(self.comparison.fits.get(n)) for n in t.index]
        t["cvm_p"] = [self.pvalues.get(n, math.nan) for n in t.index]
        t["chosen"] = t.index == self.family
        return t

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record."""
        return {
            "family": self.family,
            "reason": self.reason,
            "params": dict(self.fit.params),
            "pvalues": dict(self.pvalues),
            "candidates": self.table()
            .reset_index(names="family")[
                ["family", "aic", "converged", "identified", "cvm_p", "params"]
            ]
            .to_dict(orient="records"),
        }


def _identified(fit: SeverityFit | None) -> bool:
    if fit is None or not fit.converged:
        return False
    se = [fit.se[p] for p in fit.params if p not in fit.fixed]
    return bool(np.all(np.isfinite(se))) and all(math.isfinite(v) for v in fit.params.values())


def select_severity(
    losses,
    candidates=None,
    *,
    truncation: float | None = None,
    gof: int = 99,
    min_pvalue: float = 0.05,
    rng: RNGLike = 2026,
) -> SeveritySelection:
    """Choose a severity family for one category by the documented rule (module notes).

    Parameters
    ----------
    losses : array_like
        The category's losses (at or above ``truncation``).
    candidates : sequence of str, optional
        Families to consider; default :data:`DEFAULT_CANDIDATES` (every registered family).
    truncation : float, optional
        Reporting threshold: every candidate is fitted left-truncated there.
    gof : int, default 99
        Bootstrap refits of the goodness-of-fit test; 0 skips the test (lowest AIC among the
        identified fits).
    min_pvalue : float, default 0.05
        Smallest Cramér-von Mises p-value accepted.
    rng : int, Generator, SeedSequence or None, default 2026
        Seed of the bootstrap; family ``i`` of ``candidates`` uses child ``i``, so a choice is
        reproducible and does not depend on which other fits were tested.

    Returns
    -------
    SeveritySelection

    Raises
    ------
    ValueError
        No candidate gives an identified fit.

    Examples
    --------
    >>> from riskmodel.severity import Weibull
    >>> x = Weibull(0.5, 1e7).truncated(lower=1e6).sample(60, rng=1)
    >>> sel = select_severity(x, ["lognormal", "weibull"], truncation=1e6, gof=0)
    >>> sel.family in ("lognormal", "weibull")
    True
    """
    names = list(DEFAULT_CANDIDATES if candidates is None else candidates)
    if not 0 <= min_pvalue < 1:
        raise ValueError(f"min_pvalue: must lie in [0, 1), got {min_pvalue}")
    if gof < 0:
        raise ValueError(f"gof: must be >= 0 refits, got {gof}")
    for n in names:
        get_family(n)  # a misspelt candidate raises, listing the known names
    x = np.asarray(losses, dtype=float)
    cmp = compare_severity(x, names, truncation=truncation)
    ok = [n for n in cmp.table.index if _identified(cmp.fits.get(n))]
    if not ok:
        raise ValueError(
            f"no candidate family ({', '.join(names)}) gives a converged fit with finite "
            f"standard errors to these {x.size} losses"
        )
    kids = dict(zip(names, as_seed_sequence(rng).spawn(len(names)), strict=True))
    pvalues: dict[str, float] = {}
    best_aic = float(cmp.table.loc[ok[0], "aic"])
    for n in ok:
        fit = cmp.fits[n]
        assert fit is not None
        d_aic = float(cmp.table.loc[n, "aic"]) - best_aic
        if not gof or x.size < MIN_GOF_LOSSES:
            why = (
                "no goodness-of-fit test requested"
                if not gof
                else f"fewer than {MIN_GOF_LOSSES} losses: no goodness-of-fit test"
            )
            reason = (
                f"lowest AIC ({cmp.table.loc[n, 'aic']:.1f}) among the {len(ok)} identified "
                f"fits ({why})"
            )
            return SeveritySelection(n, fit, reason, cmp, pvalues)
        p = float(fit.gof(n_boot=gof, rng=kids[n], tests=(TEST,)).pvalues[TEST])
        pvalues[n] = p
        if p >= min_pvalue:
            rank = "lowest AIC" if d_aic == 0 else f"AIC {d_aic:+.1f} from the lowest"
            reason = (
                f"{rank} among identified fits whose Cramér-von Mises p-value ({gof} "
                f"bootstrap refits) is >= {min_pvalue:g}: p = {p:.2f}"
            )
            return SeveritySelection(n, fit, reason, cmp, pvalues)
    n = ok[0]
    fit = cmp.fits[n]
    assert fit is not None
    reason = (
        f"no identified fit passes the Cramér-von Mises test at {min_pvalue:g}; the lowest "
        f"AIC is used (p = {pvalues[n]:.3f}): treat this category's severity with caution"
    )
    return SeveritySelection(n, fit, reason, cmp, pvalues)
