r"""The result of a book's simulation and the underwriter's numbers.

Losses here are the insurer's: each policy's recoveries under its programme times the
insurer's share (``ceded`` in the tables); ``gross`` is the exchange's ground-up loss.

- **AEP** (aggregate exceedance probability): of the annual loss; **OEP** (occurrence): of the
  year's largest event loss (for the book, an event's loss is the sum over the policies it
  hit; for a policy, its largest single loss after the annual terms are allocated back).
- **Average annual loss** (AAL): the mean annual loss with its standard error
  :math:`s / \sqrt n`.
- **Capital** at level :math:`\alpha`: :math:`\mathrm{TVaR}_\alpha(S) - E[S]`; policy ``i``'s
  allocation is its co-TVaR less its expected loss,
  :math:`E[C_i \mid S \text{ in its } \lceil n(1-\alpha) \rceil \text{ largest years}] -
  E[C_i]`; the allocations add up to the book's capital.
- **Price**: expected loss plus the cost of capital, :math:`E[C_i] + r\,K_i`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._measures import (
    RETURN_PERIODS,
    batch_se,
    quantile,
    quantile_ci,
    sparse_quantile,
    tail_years,
    tvar,
)

__all__ = ["BookResult", "Marginal"]


def _check_rate(cost_of_capital: float) -> float:
    if not (0 <= cost_of_capital < math.inf):
        raise ValueError(f"cost_of_capital: must be finite and >= 0, got {cost_of_capital}")
    return float(cost_of_capital)


def capital(x: np.ndarray, level: float) -> float:
    """TVaR at ``level`` less the mean."""
    return tvar(x, level) - float(np.mean(x))


@dataclass(frozen=True)
class Marginal:
    """What adding (or removing) one policy changes in the book's numbers.

    Attributes
    ----------
    policy, kind : str
        The policy and ``"add"`` or ``"remove"``.
    level, cost_of_capital : float
    expected_loss, capital, price : float
        Change of the book's expected loss, capital and price (after minus before).
    expected_loss_se, capital_se, price_se : float
        Standard errors of the changes (batch means over 20 batches of years; common random
        numbers make them small).
    capital_before, capital_after : float
    """

    policy: str
    kind: str
    level: float
    cost_of_capital: float
    expected_loss: float
    expected_loss_se: float
    capital: float
    capital_se: float
    price: float
    price_se: float
    capital_before: float
    capital_after: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def marginal_of(
    policy: str, kind: str, before: np.ndarray, after: np.ndarray, level: float, coc: float
) -> Marginal:
    """:class:`Marginal` from the book's annual losses before and after the change."""
    coc = _check_rate(coc)

    def d_cap(s):
        return capital(after[s], level) - capital(before[s], level)

    def d_el(s):
        return float(np.mean(after[s]) - np.mean(before[s]))

    def d_price(s):
        return d_el(s) + coc * d_cap(s)

    n = len(before)
    whole = slice(0, n)
    k_before, k_after = capital(before, level), capital(after, level)
    return Marginal(
        policy=policy,
        kind=kind,
        level=level,
        cost_of_capital=coc,
        expected_loss=d_el(whole),
        expected_loss_se=float(np.std(after - before, ddof=1) / math.sqrt(n)),
        capital=k_after - k_before,
        capital_se=batch_se(d_cap, n),
        price=d_price(whole),
        price_se=batch_se(d_price, n),
        capital_before=k_before,
        capital_after=k_after,
    )


class BookResult:
    """Simulated years of a :class:`~riskmodel.book.Book` (from :meth:`Book.simulate`).

    Memory: three floats per year for the book (its ceded loss, largest event and gross loss)
    and one record per policy-year with a ceded loss (so it grows with the losses, not with
    years x policies); with ``keep_losses`` one record per loss.
    """

    def __init__(self, book, plan, raw, root, provenance, client=None) -> None:
        self.book = book
        self.plan = plan
        self.raw = raw
        self.root = root
        self.provenance = provenance
        self._candidates = 0
        self._groups = None
        self._client = client  # the Dask cluster of the run, for candidates (add)

    def _records(self, i: int) -> np.ndarray:
        """Indices of policy ``i``'s records (grouped once: a policy costs its own records)."""
        if self._groups is None:
            pol = self.raw.rec_pol
            order = np.argsort(pol, kind="stable")
            bounds = np.concatenate([[0], np.cumsum(np.bincount(pol, minlength=len(self.names)))])
            self._groups = (order, bounds)
        order, bounds = self._groups
        return order[bounds[i] : bounds[i + 1]]

    def __repr__(self) -> str:
        mean, se = self.aal()
        return (
            f"BookResult({len(self.names)} policies, {self.n_sims:,} years, "
            f"AAL {mean:,.0f} +/- {se:,.0f})"
        )

    # ------------------------------------------------------------------ basics
    @property
    def n_sims(self) -> int:
        """Number of simulated years."""
        return self.raw.n

    @property
    def names(self) -> tuple[str, ...]:
        """Policy names."""
        return self.plan.names

    @property
    def annual(self) -> np.ndarray:
        """The book's ceded (insurer's) loss of every simulated year."""
        return self.raw.year_ceded

    @property
    def annual_max_event(self) -> np.ndarray:
        """The book's largest event loss of every simulated year (0 without an event)."""
        return self.raw.year_occ

    def _index(self, policy: str) -> int:
        try:
            return self.names.index(policy)
        except ValueError:
            raise KeyError(
                f"no policy {policy!r} in the book; policies: {', '.join(self.names)}"
            ) from None

    def policy_annual(self, policy: str, kind: str = "aep") -> np.ndarray:
        """Policy ``policy``'s ceded loss (``"aep"``) or largest ceded loss (``"oep"``) of
        every simulated year (a dense vector built from its sparse records)."""
        sel = self._records(self._index(policy))
        out = np.zeros(self.n_sims)
        out[self.raw.rec_year[sel]] = (
            self.raw.rec_ceded[sel] if _kind(kind) == "aep" else self.raw.rec_occ[sel]
        )
        return out

    def _vector(self, kind: str, policy: str | None) -> np.ndarray:
        if policy is not None:
            return self.policy_annual(policy, kind)
        return self.annual if _kind(kind) == "aep" else self.annual_max_event

    # ------------------------------------------------------------------ the numbers
    def aal(self, policy: str | None = None) -> tuple[float, float]:
        """Average annual loss (ceded) and its standard error, of the book or one policy.

        Examples
        --------
        >>> from riskmodel.book import example_book
        >>> r = example_book(5).simulate(10_000, rng=1)
        >>> mean, se = r.aal()
        >>> 0 < se < mean
        True
        """
        if policy is None:
            x = self.annual
            return float(np.mean(x)), float(np.std(x, ddof=1) / math.sqrt(len(x)))
        s, s2 = self.raw.pol_sums[self._index(policy), 2:]
        n = self.n_sims
        mean = s / n
        var = max(s2 / n - mean * mean, 0.0) * n / (n - 1)
        return float(mean), math.sqrt(var / n)

    def gross_aal(self) -> float:
        """The book's mean annual ground-up loss (before insurance, all policies)."""
        return float(np.mean(self.raw.year_gross))

    def quantile(self, p: float, kind: str = "aep", policy: str | None = None) -> float:
        """Annual (``"aep"``) or largest-event (``"oep"``) loss at probability level ``p``."""
        if policy is not None:
            sel = self._records(self._index(policy))
            vals = self.raw.rec_ceded[sel] if _kind(kind) == "aep" else self.raw.rec_occ[sel]
            return sparse_quantile(vals, self.n_sims, p)
        return quantile(self._vector(kind, None), p)

    def tvar(self, p: float) -> float:
        """The book's TVaR at level ``p``: mean of the ``ceil(n (1 - p))`` worst years."""
        return tvar(self.annual, p)

    def capital(self, level: float = 0.99) -> float:
        """The book's capital at ``level``: TVaR less the expected loss."""
        return capital(self.annual, level)

    def exceedance_probability(self, x, kind: str = "aep", policy: str | None = None):
        """Probability that the annual (``"aep"``) or largest-event (``"oep"``) loss exceeds
        ``x``."""
        v = np.sort(self._vector(kind, policy))
        xs = np.asarray(x, dtype=float)
        out = 1.0 - np.searchsorted(v, xs, side="right") / len(v)
        return float(out) if out.ndim == 0 else out

    def return_period_table(
        self,
        return_periods=RETURN_PERIODS,
        confidence: float = 0.95,
        policy: str | None = None,
    ) -> pd.DataFrame:
        """AEP and OEP losses at each return period, with order-statistic intervals.

        Parameters
        ----------
        return_periods : sequence of float
            Years (> 1); default 10, 25, 50, 100, 200, 250, 500, 1000.
        confidence : float
            Coverage of the intervals.
        policy : str, optional
            One policy instead of the book.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``return_period``: ``level`` (1 - 1 / T), ``aep``, ``aep_lower``,
            ``aep_upper``, ``oep``, ``oep_lower``, ``oep_upper``. Return periods beyond the
            number of simulated years give ``nan``.
        """
        rows = []
        for t in return_periods:
            if not t > 1:
                raise ValueError(f"return_periods: each must exceed 1 year, got {t}")
            p = 1.0 - 1.0 / t
            row: dict[str, float] = {"return_period": float(t), "level": p}
            for kind in ("aep", "oep"):
                x = self._vector(kind, policy)
                if t > self.n_sims:
                    row[kind] = row[f"{kind}_lower"] = row[f"{kind}_upper"] = math.nan
                    continue
                row[kind] = quantile(x, p)
                row[f"{kind}_lower"], row[f"{kind}_upper"] = quantile_ci(x, p, confidence)
            rows.append(row)
        return pd.DataFrame(rows).set_index("return_period")

    def policy_table(self, level: float = 0.99, cost_of_capital: float = 0.10) -> pd.DataFrame:
        """Per policy: expected loss, allocated capital (co-TVaR) and cost-of-capital price.

        Parameters
        ----------
        level : float
            TVaR level of the capital.
        cost_of_capital : float
            Annual return required on capital.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``policy``: ``premium``, ``expected_loss``, ``expected_loss_se``,
            ``expected_loss_analytic`` (closed form; ``nan`` where annual terms bind),
            ``co_tvar``, ``capital`` (co-TVaR less expected loss), ``price`` (expected loss
            plus ``cost_of_capital`` x capital), ``premium_to_price``, ``loss_1_in_200``
            (the policy's own 1-in-200 annual loss). Columns add up to the book's figures
            (row ``book`` is not included; see :meth:`summary`).
        """
        coc = _check_rate(cost_of_capital)
        tail = tail_years(self.annual, level)
        in_tail = np.zeros(self.n_sims, dtype=bool)
        in_tail[tail] = True
        sel = in_tail[self.raw.rec_year]
        co = np.bincount(
            self.raw.rec_pol[sel], weights=self.raw.rec_ceded[sel], minlength=len(self.names)
        ) / len(tail)
        analytic = self.book.expected_loss()
        rows = []
        for i, p in enumerate(self.book.policies):
            el, el_se = self.aal(p.name)
            cap = float(co[i]) - el
            price = el + coc * cap
            rows.append(
                {
                    "policy": p.name,
                    "premium": p.premium,
                    "expected_loss": el,
                    "expected_loss_se": el_se,
                    "expected_loss_analytic": float(analytic[i]),
                    "co_tvar": float(co[i]),
                    "capital": cap,
                    "price": price,
                    "premium_to_price": p.premium / price if price > 0 else math.nan,
                    "loss_1_in_200": self.quantile(0.995, policy=p.name),
                }
            )
        return pd.DataFrame(rows).set_index("policy")

    def summary(self, level: float = 0.99, cost_of_capital: float = 0.10) -> dict[str, Any]:
        """The book's headline figures (JSON-friendly)."""
        mean, se = self.aal()
        cap = self.capital(level)
        return {
            "policies": len(self.names),
            "shared_events": [ev.name for ev in self.book.events],
            "n_sims": self.n_sims,
            "premium": float(sum(p.premium for p in self.book.policies)),
            "aal": mean,
            "aal_se": se,
            "gross_aal": self.gross_aal(),
            "expected_loss_analytic": float(np.sum(self.book.expected_loss())),
            "loss_1_in_100": quantile(self.annual, 0.99) if self.n_sims >= 100 else math.nan,
            "loss_1_in_200": quantile(self.annual, 0.995) if self.n_sims >= 200 else math.nan,
            "level": level,
            "tvar": self.tvar(level),
            "capital": cap,
            "cost_of_capital": cost_of_capital,
            "price": mean + _check_rate(cost_of_capital) * cap,
        }

    # ------------------------------------------------------------------ marginal analyses
    def remove(self, policy: str, level: float = 0.99, cost_of_capital: float = 0.10):
        """What removing ``policy`` changes (exact common random numbers: the other policies'
        losses are the same years).

        Returns
        -------
        Marginal
            ``kind="remove"``; the changes are negative for a policy that adds risk.
        """
        after = self.annual - self.policy_annual(policy)
        return marginal_of(policy, "remove", self.annual, after, level, cost_of_capital)

    def add(
        self,
        policy,
        exposures=None,
        level: float = 0.99,
        cost_of_capital: float = 0.10,
    ) -> Marginal:
        """What adding a candidate ``policy`` changes, with common random numbers.

        The candidate's own losses come from streams of their own and its shared-event losses
        from the same event occurrences as this run, so the book's years are unchanged and
        the difference is precise.

        Parameters
        ----------
        policy : Policy
        exposures : dict of str to Exposure, optional
            Its exposure to each shared event, by event name.
        level, cost_of_capital : float

        Returns
        -------
        Marginal
            ``kind="add"``.

        Examples
        --------
        >>> from riskmodel.book import example_book
        >>> book = example_book(6)
        >>> r = book.without(book.names[-1]).simulate(20_000, rng=2)
        >>> m = r.add(book.policy(book.names[-1]))
        >>> m.expected_loss > 0
        True
        """
        from ._simulate import candidate_root, make_plan, run_blocks

        cand = _candidate_book(self.book, policy, exposures)
        plan = make_plan(cand, replay=True)
        self._candidates += 1
        raw = run_blocks(
            plan,
            candidate_root(self.root, self._candidates),
            self.n_sims,
            self.provenance["block_size"],
            self.provenance["n_threads"],
            occurrences=(self.raw.occ_year, self.raw.occ_event),
            backend=self.provenance["backend"],
            client=self._client,
        )
        after = self.annual + raw.year_ceded
        return marginal_of(policy.name, "add", self.annual, after, level, cost_of_capital)

    # ------------------------------------------------------------------ tables
    def year_loss_table(self) -> pd.DataFrame:
        """Year loss table: one row per (year, policy, event type) with a loss.

        Columns ``year`` (1 to n_sims), ``policy``, ``event_type`` (a loss category or a
        shared event's name), ``gross`` (the exchange's ground-up loss, USD), ``ceded`` (the
        insurer's share of the recoveries, USD). Years without losses are not written.
        Needs ``simulate(..., keep_losses=True)``.
        """
        li, lx = self._losses()
        df = pd.DataFrame(
            {
                "year": li[:, 0] + 1,
                "policy": li[:, 2],
                "event_type": li[:, 3],
                "gross": lx[:, 0],
                "ceded": lx[:, 1],
            }
        )
        df = df.groupby(["year", "policy", "event_type"], sort=True, as_index=False).sum()
        df["policy"] = pd.Categorical.from_codes(df["policy"], categories=list(self.names))
        df["event_type"] = pd.Categorical.from_codes(
            df["event_type"], categories=list(self.plan.types)
        )
        return df

    def event_loss_table(self) -> pd.DataFrame:
        """Event loss table: one row per simulated event (a policy's own loss, or one
        occurrence of a shared event with all the policies it hit).

        Columns ``year`` (1 to n_sims), ``event`` (number within the year, from 1),
        ``event_type``, ``policies`` (how many it hit), ``gross`` and ``ceded`` (summed over
        those policies, USD). Needs ``simulate(..., keep_losses=True)``.
        """
        li, lx = self._losses()
        df = pd.DataFrame(
            {
                "year": li[:, 0] + 1,
                "event": li[:, 1] + 1,
                "event_type": li[:, 3],
                "policies": np.ones(len(li), dtype=np.int64),
                "gross": lx[:, 0],
                "ceded": lx[:, 1],
            }
        )
        df = df.groupby(["year", "event", "event_type"], sort=True, as_index=False).sum()
        df["event_type"] = pd.Categorical.from_codes(
            df["event_type"], categories=list(self.plan.types)
        )
        return df

    def _losses(self):
        if self.raw.loss_i is None:
            raise ValueError(
                "the loss tables need every loss: simulate with keep_losses=True "
                "(memory grows with the number of losses)"
            )
        return self.raw.loss_i, self.raw.loss_x


def _kind(kind: str) -> str:
    if kind not in ("aep", "oep"):
        raise ValueError(f"kind: must be 'aep' or 'oep', got {kind!r}")
    return kind


def _candidate_book(book, policy, exposures):
    """A book of the candidate alone with the shared events in the book's order (the
    candidate's exposures only), so event indices match the book's run."""
    from dataclasses import replace

    from ._book import Book, Policy

    if not isinstance(policy, Policy):
        raise TypeError(f"policy: expected a Policy, got {type(policy).__name__}")
    if policy.name in book.names:
        raise ValueError(f"policy {policy.name!r} is already in the book")
    exposures = dict(exposures or {})
    names = {ev.name for ev in book.events}
    if set(exposures) - names:
        raise ValueError(f"exposures name unknown shared events {sorted(set(exposures) - names)}")
    events = [
        replace(ev, exposures=[exposures[ev.name]] if ev.name in exposures else [])
        for ev in book.events
    ]
    return Book([policy], events, name=f"candidate {policy.name}")
