"""Validation of fit_frequency's inputs: counts, years, exposure, covariates."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd


def _frozen(a) -> np.ndarray:
    """A read-only copy: the result never shares memory with the caller's arrays."""
    out = np.array(a, dtype=float)
    out.setflags(write=False)
    return out


def _finite_scalar(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return x


def _label(labels, i: int) -> str:
    if labels is None:
        return f"position {i}"
    lab = labels[i]
    return f"period {lab.item() if isinstance(lab, np.generic) else lab!r}"


def _counts_array(counts) -> tuple[np.ndarray, pd.Index | None, list | None]:
    if isinstance(counts, pd.DataFrame):
        raise TypeError(
            f"counts is a DataFrame with columns {list(counts.columns)}: fit one column at a "
            "time, e.g. counts['hack']"
        )
    index = counts.index if isinstance(counts, pd.Series) else None
    labels = list(index) if index is not None else None
    try:
        y = np.asarray(counts, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("counts must be numbers") from None
    if y.ndim != 1:
        raise ValueError(f"counts must be one-dimensional, got shape {y.shape}")
    if y.size == 0:
        raise ValueError("counts is empty")
    bad = ~np.isfinite(y) | (y < 0) | (y != np.round(y))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"counts must be whole numbers >= 0: {_label(labels, i)} has {float(y[i])!r}"
            + (f" ({int(bad.sum())} bad values in all)" if bad.sum() > 1 else "")
        )
    return y, index, labels


def _years_array(years, index, n: int, trend) -> np.ndarray:
    if years is None:
        if index is not None and pd.api.types.is_numeric_dtype(index.dtype):
            years = index.to_numpy()
        elif trend is not None:
            raise ValueError(
                "trend='linear' needs years: pass counts as a Series indexed by year, or years="
            )
        else:
            return np.arange(n, dtype=float)
    try:
        yrs = np.asarray(years, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("years must be numbers") from None
    if yrs.shape != (n,):
        raise ValueError(f"years: expected {n} values (one per count), got shape {yrs.shape}")
    if not np.isfinite(yrs).all():
        raise ValueError(
            f"years: not finite at position {int(np.flatnonzero(~np.isfinite(yrs))[0])}"
        )
    if trend is not None and np.ptp(yrs) == 0:
        raise ValueError("trend='linear' needs at least two distinct years")
    return yrs


def _exposure_array(exposure, counts, n: int, labels) -> tuple[np.ndarray, bool]:
    if exposure is None:
        return np.ones(n), False
    if isinstance(exposure, pd.Series) and isinstance(counts, pd.Series):
        missing = counts.index.difference(exposure.index)
        if len(missing):
            raise ValueError(f"exposure is missing for periods {list(missing)[:10]}")
        exposure = exposure.reindex(counts.index)
    try:
        e = np.asarray(exposure, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("exposure must be numbers") from None
    if e.ndim == 0:
        e = np.full(n, float(e))
    if e.shape != (n,):
        raise ValueError(f"exposure: expected a scalar or {n} values, got shape {e.shape}")
    bad = ~np.isfinite(e) | (e <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"exposure must be finite and > 0: {_label(labels, i)} has {float(e[i])!r}"
        )
    return e, True


def _covariate_matrix(covariates, counts, n: int) -> tuple[list[str], np.ndarray]:
    if covariates is None:
        return [], np.empty((n, 0))
    if isinstance(covariates, pd.Series):
        covariates = covariates.to_frame(name=covariates.name or "x1")
    if isinstance(covariates, Mapping) and not isinstance(covariates, pd.DataFrame):
        covariates = pd.DataFrame(
            {str(k): np.asarray(v, dtype=float) for k, v in covariates.items()}
        )
    if isinstance(covariates, pd.DataFrame):
        if isinstance(counts, pd.Series) and not covariates.index.equals(pd.RangeIndex(n)):
            missing = counts.index.difference(covariates.index)
            if len(missing):
                raise ValueError(f"covariates are missing for periods {list(missing)[:10]}")
            covariates = covariates.reindex(counts.index)
        names = [str(c) for c in covariates.columns]
        values = covariates.to_numpy(dtype=float)
    else:
        values = np.asarray(covariates, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        names = [f"x{j + 1}" for j in range(values.shape[1])]
    if values.ndim != 2 or values.shape[0] != n:
        raise ValueError(
            f"covariates: expected {n} rows (one per count), got shape {values.shape}"
        )
    reserved = {"intercept", "trend"} & set(names)
    if reserved:
        raise ValueError(f"covariates: the names {sorted(reserved)} are reserved")
    if len(set(names)) != len(names):
        raise ValueError(f"covariates: repeated names {names}")
    if not np.isfinite(values).all():
        i, j = map(int, np.argwhere(~np.isfinite(values))[0])
        raise ValueError(f"covariates: {names[j]} is not finite at position {i}")
    return names, values
