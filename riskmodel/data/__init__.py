"""Loss and exposure data: the bundled tables and validating readers for your own files.

Bundled data (see ``DATACARD.md`` in this folder for sources and known gaps):

- :func:`load_incidents`: hacks, frauds and operational losses at crypto exchanges, 2011-2025.
- :func:`load_exposure`: Japanese market aggregates (JVCEA volumes, accounts, operators).

Your own data:

- :func:`read_losses`: a CSV of individual losses (date, category, amount_usd), validated.
- :func:`read_exposure`: a CSV of yearly exposure per exchange (year, exchange, volume).

Derived:

- :func:`annual_counts`: incidents at or above a threshold per calendar year and category.

Importing this module needs only pandas.
"""

from ._counts import annual_counts
from ._exposure import load_exposure, read_exposure
from ._incidents import CATEGORIES, load_incidents, read_losses

__all__ = [
    "CATEGORIES",
    "annual_counts",
    "load_exposure",
    "load_incidents",
    "read_exposure",
    "read_losses",
]
