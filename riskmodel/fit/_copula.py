"""A count copula estimated from annual counts by rank correlation."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..dependence import GaussianCopula, StudentTCopula

__all__ = ["fit_count_copula"]


def fit_count_copula(counts, *, family: str = "gaussian", df: float = 4.0):
    """Estimate a count copula from annual counts by rank correlation.

    Parameters
    ----------
    counts : pandas.DataFrame
        Years in rows, one column per category (as from :func:`riskmodel.data.annual_counts`).
    family : {"gaussian", "t"}
    df : float
        Degrees of freedom of the t copula (not estimated).

    Returns
    -------
    GaussianCopula or StudentTCopula

    Notes
    -----
    Kendall's tau of each pair is inverted through :math:`\\rho = \\sin(\\pi\\tau/2)`, valid for
    every elliptical copula; ties in counts make this a rough estimate with few years, and the
    matrix is projected to the nearest correlation matrix (eigenvalues clipped at 1e-6).
    """
    from scipy import stats

    cols: Sequence[str] = list(counts.columns)
    k = len(cols)
    if len(counts) < 3:
        raise ValueError(f"counts: need at least 3 years to estimate a copula, got {len(counts)}")
    rho = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            a, b = counts[cols[i]].to_numpy(), counts[cols[j]].to_numpy()
            if np.ptp(a) == 0 or np.ptp(b) == 0:
                tau = 0.0  # a constant column carries no information on dependence
            else:
                tau = stats.kendalltau(a, b).statistic
            rho[i, j] = rho[j, i] = math.sin(math.pi * tau / 2)
    w, v = np.linalg.eigh(rho)
    rho = (v * np.clip(w, 1e-6, None)) @ v.T
    d = np.sqrt(np.diag(rho))
    rho = np.clip((rho + rho.T) / (2 * np.outer(d, d)), -1.0, 1.0)
    np.fill_diagonal(rho, 1.0)
    if family == "gaussian":
        return GaussianCopula(rho)
    if family == "t":
        return StudentTCopula(rho, df=df)
    raise ValueError(f"family: must be 'gaussian' or 't', got {family!r}")
