"""Exceptions and warnings raised by riskmodel.

Every error says what was wrong and where: a file, a row, a column, or a parameter.
"""

from __future__ import annotations

__all__ = [
    "ConvergenceWarning",
    "DataError",
    "InfiniteMomentWarning",
    "RiskModelWarning",
]


class DataError(ValueError):
    """Invalid input data.

    Parameters
    ----------
    message : str
        What is wrong.
    path : str, optional
        The file the data came from.
    row : int, optional
        1-based line number in the file (the header is line 1), where known.
    column : str, optional
        The column at fault, where known.

    Examples
    --------
    >>> err = DataError("amount is negative", path="losses.csv", row=4, column="amount_usd")
    >>> str(err)
    'losses.csv, row 4, column amount_usd: amount is negative'
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.row = row
        self.column = column
        where = []
        if path is not None:
            where.append(str(path))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class RiskModelWarning(UserWarning):
    """Base class of riskmodel's warnings."""


class InfiniteMomentWarning(RiskModelWarning):
    """A requested moment does not exist (is infinite or undefined) for this distribution."""


class ConvergenceWarning(RiskModelWarning):
    """An optimiser did not converge; the result is flagged ``converged=False``."""
