"""The book: policies (an exchange's loss model, its layers, the insurer's share and premium)
and the shared events that hit several of them at once."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .._rng import RNGLike
from ..frequency import Poisson
from ..insurance import InsuranceProgram
from ..model import LossModel
from ..severity import Severity

__all__ = ["Book", "Exposure", "Policy", "SharedEvent"]


@dataclass(frozen=True)
class Policy:
    """One policy of the book: an exchange's losses and the cover the insurer writes on them.

    Parameters
    ----------
    name : str
        Unique within the book.
    model : LossModel
        The exchange's ground-up losses in USD. Each category needs a Poisson frequency (the
        book draws the total count and thins it to policies) and no dependence between
        categories (shared losses are the book's :class:`SharedEvent`).
    program : InsuranceProgram, optional
        The layers in USD (terms of :mod:`riskmodel.insurance`). Without one the policy covers
        every loss from the ground up.
    share : float, default 1.0
        The insurer's share of the programme's recoveries, in (0, 1].
    premium : float, default 0.0
        The insurer's premium for its share, USD.
    assets : float, optional
        Assets under custody, USD: shared-event losses given as fractions of assets need it,
        and no shared-event loss exceeds it.
    source : str, optional
        Where the policy came from (profile file), for the record.

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(0.1), LogNormal(15.0, 2.0))})
    >>> Policy("A", m, share=0.5).share
    0.5
    """

    name: str
    model: LossModel
    program: InsuranceProgram | None = None
    share: float = 1.0
    premium: float = 0.0
    assets: float | None = None
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"Policy: name must be a non-empty string, got {self.name!r}")
        where = f"Policy {self.name!r}"
        if not isinstance(self.model, LossModel):
            raise TypeError(f"{where}: model must be a LossModel, got {type(self.model).__name__}")
        if self.model.dependence is not None:
            raise ValueError(
                f"{where}: the model's categories must be independent in a book (write shared "
                "losses as the book's SharedEvent)"
            )
        for cat, (freq, _) in self.model.categories.items():
            if not isinstance(freq, Poisson):
                raise ValueError(
                    f"{where}: category {cat!r} has frequency {freq!r}; a book needs Poisson "
                    "frequencies (it thins one Poisson total to the policies)"
                )
        if self.program is not None and not isinstance(self.program, InsuranceProgram):
            raise TypeError(f"{where}: program must be an InsuranceProgram or None")
        if self.program is not None:
            for lay in self.program.layers:
                self.program.covers(lay, self.model.names)  # unknown categories raise
        if not 0 < float(self.share) <= 1:
            raise ValueError(f"{where}: share must lie in (0, 1], got {self.share!r}")
        if not (float(self.premium) >= 0 and math.isfinite(self.premium)):
            raise ValueError(f"{where}: premium must be finite and >= 0, got {self.premium!r}")
        if self.assets is not None and not float(self.assets) > 0:
            raise ValueError(f"{where}: assets must be > 0, got {self.assets!r}")
        object.__setattr__(self, "share", float(self.share))
        object.__setattr__(self, "premium", float(self.premium))


@dataclass(frozen=True)
class Exposure:
    """One policy's exposure to a shared event.

    Parameters
    ----------
    policy : str
        Name of the policy.
    probability : float
        Probability that an occurrence of the event hits this policy, in [0, 1].
    severity : Severity or (float, float)
        The loss it causes here: a distribution in USD, or a range ``(lo, hi)`` of fractions
        of the policy's assets under custody (uniform; ``lo == hi`` for a fixed fraction).
        Losses never exceed the assets where they are known.
    """

    policy: str
    probability: float
    severity: Severity | tuple[float, float]

    def __post_init__(self) -> None:
        if not 0 <= float(self.probability) <= 1:
            raise ValueError(
                f"Exposure of {self.policy!r}: probability must lie in [0, 1], "
                f"got {self.probability!r}"
            )
        object.__setattr__(self, "probability", float(self.probability))
        sev = self.severity
        if isinstance(sev, Severity):
            return
        try:
            lo, hi = (float(v) for v in sev)
        except (TypeError, ValueError):
            raise TypeError(
                f"Exposure of {self.policy!r}: severity must be a Severity or a (lo, hi) range "
                f"of fractions of assets, got {sev!r}"
            ) from None
        if not 0 <= lo <= hi <= 1:
            raise ValueError(
                f"Exposure of {self.policy!r}: fractions of assets must satisfy "
                f"0 <= lo <= hi <= 1, got ({lo}, {hi})"
            )
        object.__setattr__(self, "severity", (lo, hi))


@dataclass(frozen=True)
class SharedEvent:
    """An event that can hit several policies at once (a vendor or custodian compromise).

    Parameters
    ----------
    name : str
        The event type written in the loss tables.
    rate : float
        Occurrences per year (Poisson).
    exposures : sequence of Exposure
        The policies exposed, each with its probability of being hit and its severity.
    category : str, default "hack"
        The loss category layers treat it as (a layer covering ``hack`` covers it).

    Examples
    --------
    >>> ev = SharedEvent("vendor", 0.02, [Exposure("A", 0.5, (0.01, 0.05))])
    >>> ev.expected_hits
    0.01
    """

    name: str
    rate: float
    exposures: Sequence[Exposure]
    category: str = "hack"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"SharedEvent: name must be a non-empty string, got {self.name!r}")
        if not (float(self.rate) >= 0 and math.isfinite(self.rate)):
            raise ValueError(f"SharedEvent {self.name!r}: rate must be finite and >= 0")
        exps = tuple(self.exposures)
        seen = set()
        for e in exps:
            if not isinstance(e, Exposure):
                raise TypeError(f"SharedEvent {self.name!r}: exposures must be Exposure objects")
            if e.policy in seen:
                raise ValueError(f"SharedEvent {self.name!r}: policy {e.policy!r} listed twice")
            seen.add(e.policy)
        object.__setattr__(self, "rate", float(self.rate))
        object.__setattr__(self, "exposures", exps)

    @property
    def expected_hits(self) -> float:
        """Expected number of policies hit per year: ``rate * sum(probabilities)``."""
        return self.rate * sum(e.probability for e in self.exposures)


class Book:
    """An insurer's book of exchange policies linked by shared events.

    Parameters
    ----------
    policies : sequence of Policy
    events : sequence of SharedEvent, optional
    name : str, optional
    assumptions : sequence of str, optional
        Plain-English statements of what the book's figures assume (filled by
        :meth:`from_toml`).

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(0.2), LogNormal(15.0, 2.0))})
    >>> book = Book([Policy("A", m), Policy("B", m)])
    >>> r = book.simulate(20_000, rng=1)
    >>> r.aal()[0] > 0
    True
    """

    def __init__(
        self,
        policies: Sequence[Policy],
        events: Sequence[SharedEvent] = (),
        *,
        name: str = "book",
        assumptions: Sequence[str] = (),
        source: str | None = None,
    ) -> None:
        policies = tuple(policies)
        if not policies:
            raise ValueError("Book: needs at least one policy")
        names = [p.name for p in policies]
        for i, p in enumerate(policies):
            if not isinstance(p, Policy):
                raise TypeError(f"Book: policies[{i}] is not a Policy: {p!r}")
            if names.index(p.name) != i:
                raise ValueError(f"Book: policy name {p.name!r} appears twice")
        events = tuple(events)
        known = set(names)
        for ev in events:
            if not isinstance(ev, SharedEvent):
                raise TypeError(f"Book: events must be SharedEvent objects, got {ev!r}")
            for e in ev.exposures:
                if e.policy not in known:
                    raise ValueError(
                        f"Book: shared event {ev.name!r} names unknown policy {e.policy!r}"
                    )
                if (
                    not isinstance(e.severity, Severity)
                    and policies[names.index(e.policy)].assets is None
                ):
                    raise ValueError(
                        f"Book: shared event {ev.name!r} gives policy {e.policy!r} a fraction "
                        "of assets, but the policy has no assets under custody"
                    )
        self.policies = policies
        self.events = events
        self.name = name
        self.assumptions = tuple(assumptions)
        self.source = source

    def __repr__(self) -> str:
        return f"Book({self.name!r}, {len(self.policies)} policies, {len(self.events)} events)"

    @property
    def names(self) -> tuple[str, ...]:
        """Policy names, in order."""
        return tuple(p.name for p in self.policies)

    def policy(self, name: str) -> Policy:
        """The policy called ``name``."""
        for p in self.policies:
            if p.name == name:
                return p
        raise KeyError(f"no policy {name!r} in the book; policies: {', '.join(self.names)}")

    @classmethod
    def from_toml(cls, path, calibration=None) -> Book:
        """Read a book from a TOML file (see :func:`riskmodel.book.load_book`)."""
        from ._toml import load_book

        return load_book(path, calibration=calibration)

    def without(self, name: str) -> Book:
        """The book without policy ``name`` (and without its shared-event exposures)."""
        self.policy(name)
        events = [
            replace(ev, exposures=[e for e in ev.exposures if e.policy != name])
            for ev in self.events
        ]
        return Book(
            [p for p in self.policies if p.name != name],
            events,
            name=self.name,
            assumptions=self.assumptions,
        )

    def with_policy(self, policy: Policy, exposures: dict[str, Exposure] | None = None) -> Book:
        """The book with ``policy`` added; ``exposures`` maps shared-event names to its
        exposure."""
        exposures = dict(exposures or {})
        unknown = set(exposures) - {ev.name for ev in self.events}
        if unknown:
            raise ValueError(f"exposures name unknown shared events {sorted(unknown)}")
        events = [
            replace(ev, exposures=[*ev.exposures, exposures[ev.name]])
            if ev.name in exposures
            else ev
            for ev in self.events
        ]
        return Book([*self.policies, policy], events, name=self.name, assumptions=self.assumptions)

    def expected_loss(self) -> np.ndarray:
        """Each policy's expected annual ceded loss in closed form (``nan`` where annual terms
        make it path-dependent: aggregate layers, annual deductibles or limits that bind).

        Returns
        -------
        ndarray, shape (n_policies,)

        Examples
        --------
        >>> from riskmodel.severity import Pareto
        >>> m = LossModel({"hack": (Poisson(0.5), Pareto(2.0, 1e6))})
        >>> float(Book([Policy("A", m, share=0.5)]).expected_loss()[0])
        500000.0
        """
        from ._analytic import policy_expected_loss

        return np.array([policy_expected_loss(self, i) for i in range(len(self.policies))])

    def simulate(
        self,
        n_sims: int,
        *,
        rng: RNGLike = None,
        block_size: int | None = None,
        n_threads: int | None = None,
        keep_losses: bool = False,
        backend: str = "numba",
        client=None,
    ):
        """Simulate ``n_sims`` years of the book.

        Parameters
        ----------
        n_sims : int
        rng : int, Generator, SeedSequence or None
            Seed (SPEC 7); the result depends only on (seed, n_sims, block_size).
        block_size : int, optional
            Years per block, each with its own random stream (default
            :data:`riskmodel.book.DEFAULT_BLOCK_SIZE`).
        n_threads : int, optional
            Worker threads; does not change results.
        keep_losses : bool
            Keep every loss, for :meth:`BookResult.year_loss_table` and
            :meth:`BookResult.event_loss_table` (memory grows with the number of losses).
        backend : {"numba", "dask"}
            ``"dask"``: the blocks run as tasks on a Dask cluster (the plan scattered once),
            with the same numbers as locally.
        client : dask.distributed.Client, optional
            The cluster of ``backend="dask"``; default: the current client.

        Returns
        -------
        BookResult
        """
        from ._simulate import simulate_book

        return simulate_book(
            self,
            n_sims,
            rng=rng,
            block_size=block_size,
            n_threads=n_threads,
            keep_losses=keep_losses,
            backend=backend,
            client=client,
        )
