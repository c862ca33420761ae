"""An insurer's book: many exchange policies, shared events, and the underwriter's numbers.

A :class:`Book` holds policies (each an exchange's :class:`~riskmodel.model.LossModel`, its
layers, the insurer's share and premium) and :class:`SharedEvent` objects (a vendor or
custodian compromise that hits several exchanges at once). :meth:`Book.simulate` draws the
book's losses by thinning one Poisson total to the policies, so its cost grows with the number
of losses rather than with years x policies, in seeded blocks that give the same result on any
number of threads. The :class:`BookResult` gives AEP and OEP curves, a return-period table
with intervals, the average annual loss, each policy's expected loss, allocated capital
(co-TVaR) and cost-of-capital price, the marginal effect of adding or removing a policy, and
the year and event loss tables (:mod:`riskmodel.book.tables`).

Books are written in TOML (:func:`load_book`); :func:`example_book` builds the bundled
illustrative book and :func:`write_example_book` writes one with any number of policies.
"""

from ._book import Book, Exposure, Policy, SharedEvent
from ._measures import RETURN_PERIODS
from ._result import BookResult, Marginal
from ._simulate import DEFAULT_BLOCK_SIZE
from ._toml import example_book, load_book, write_example_book

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "RETURN_PERIODS",
    "Book",
    "BookResult",
    "Exposure",
    "Marginal",
    "Policy",
    "SharedEvent",
    "example_book",
    "load_book",
    "write_example_book",
]
