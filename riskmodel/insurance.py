"""Insurance layers and programmes, and the arithmetic of recoveries.

Order of application (documented contract, tested on hand-computed claim vectors):

1. **Per-occurrence layers** (``per="occurrence"``) act on each single loss of the categories
   they cover: recovery = ``share * min(max(x - attachment, 0), limit)``.
2. Each occurrence layer's losses (at 100%, before ``share``) are summed over the year, then
   its **annual aggregate terms** apply: an annual aggregate deductible ``agg_deductible``
   (retained first) and an annual aggregate limit of ``limit * (1 + reinstatements)`` (the
   original limit plus its reinstatements) unless ``agg_limit`` is given; ``share`` applies last:
   ``share * min(max(annual - agg_deductible, 0), annual_limit)``.
3. **Aggregate layers** (``per="aggregate"``, stop loss) act on the annual loss of the
   categories they cover *net of the occurrence layers*: recovery =
   ``share * min(max(S - attachment, 0), limit)``. Several aggregate layers act on the same
   net-of-occurrence loss (they form a tower; stack them with adjacent attachments).
4. Recoveries are allocated back to categories in proportion to the losses that produced them,
   so per-category ceded losses add up to the total.

Reinstatement premiums (an occurrence layer with ``premium`` and ``reinstatements``): each
reinstatement restores the limit for ``premium * reinstatement_premium`` per full limit used,
pro rata to the amount of limit used, and only for the reinstatements consumed
(``min(paid, reinstatements * limit * share) / (limit * share)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "CEDED_SLACK",
    "DEFAULT_TOWER",
    "InsuranceProgram",
    "Layer",
    "apply_program",
    "ceded_error",
    "check_ceded",
    "layer_label",
    "layer_names",
]

#: (attachment, limit) in USD of the tower that ``riskmodel price`` and the report price when
#: no programme is given: contiguous per-occurrence layers from USD 50M to 2bn
DEFAULT_TOWER = (
    (50e6, 50e6),
    (100e6, 150e6),
    (250e6, 250e6),
    (500e6, 500e6),
    (1e9, 1e9),
)


@dataclass(frozen=True)
class Layer:
    """One layer of cover.

    Parameters
    ----------
    attachment : float
        Deductible / attachment point (per loss for occurrence layers, per year for aggregate).
    limit : float
        Cover width above the attachment (``inf`` allowed for an unlimited layer).
    share : float
        Coinsurance: the fraction of the layer the insurer takes, in (0, 1].
    per : {"occurrence", "aggregate"}
        Whether the terms apply to each loss or to the annual total.
    reinstatements : int
        Number of reinstatements of an occurrence layer's limit (annual aggregate limit
        ``limit * (1 + reinstatements)``); 0 means the limit is available once a year.
        A whole number (``2`` or ``2.0``); ``math.inf`` for unlimited reinstatements.
    reinstatement_premium : float
        Premium for each reinstatement as a fraction of ``premium`` (1.0 = 100%).
    premium : float
        Upfront premium of the layer (needed only for reinstatement premiums and pricing).
    agg_deductible : float
        Annual aggregate deductible of an occurrence layer, retained before it pays.
    agg_limit : float or None
        Explicit annual aggregate limit of an occurrence layer's recoveries (before ``share``),
        overriding ``limit * (1 + reinstatements)``.
    categories : sequence of str or None
        Loss categories the layer covers; ``None`` covers all.

    Examples
    --------
    >>> layer = Layer(attachment=10e6, limit=40e6, share=0.5)
    >>> layer.recover_occurrence(np.array([5e6, 30e6, 90e6])).tolist()
    [0.0, 10000000.0, 20000000.0]
    """

    attachment: float
    limit: float
    share: float = 1.0
    per: str = "occurrence"
    reinstatements: float = 0
    reinstatement_premium: float = 1.0
    premium: float = 0.0
    agg_deductible: float = 0.0
    agg_limit: float | None = None
    categories: tuple[str, ...] | None = field(default=None)

    def __post_init__(self) -> None:
        for name in (
            "attachment",
            "limit",
            "share",
            "reinstatement_premium",
            "premium",
            "agg_deductible",
        ):
            object.__setattr__(self, name, float(getattr(self, name)))
        if self.per not in ("occurrence", "aggregate"):
            raise ValueError(f"Layer: per must be 'occurrence' or 'aggregate', got {self.per!r}")
        if not (self.attachment >= 0 and math.isfinite(self.attachment)):
            raise ValueError(f"Layer: attachment must be finite and >= 0, got {self.attachment}")
        if not self.limit > 0:
            raise ValueError(f"Layer: limit must be > 0, got {self.limit}")
        if not (0 < self.share <= 1):
            raise ValueError(f"Layer: share must lie in (0, 1], got {self.share}")
        r = self.reinstatements
        whole = isinstance(r, (int, float, np.integer, np.floating)) and not isinstance(r, bool)
        if not (whole and r >= 0 and (r == math.inf or float(r).is_integer())):
            raise ValueError(
                f"Layer: reinstatements must be a whole number >= 0 (inf for unlimited), got {r!r}"
            )
        if self.per == "aggregate" and (
            self.reinstatements or self.agg_deductible or self.agg_limit is not None
        ):
            raise ValueError(
                "Layer: reinstatements, agg_deductible and agg_limit apply to occurrence layers; "
                "an aggregate layer's attachment and limit are already annual"
            )
        if self.premium < 0 or self.agg_deductible < 0:
            raise ValueError("Layer: premium and agg_deductible must be >= 0")
        if self.agg_limit is not None and not float(self.agg_limit) > 0:
            raise ValueError(f"Layer: agg_limit must be > 0, got {self.agg_limit}")
        if self.categories is not None:
            cats = (self.categories,) if isinstance(self.categories, str) else self.categories
            object.__setattr__(self, "categories", tuple(str(c) for c in cats))

    @property
    def annual_limit(self) -> float:
        """Annual aggregate limit of the layer's recoveries before ``share``."""
        if self.per == "aggregate":
            return self.limit
        if self.agg_limit is not None:
            return float(self.agg_limit)
        return self.limit * (1.0 + self.reinstatements)

    def recover_occurrence(self, losses: np.ndarray) -> np.ndarray:
        """Per-loss recovery before annual terms: ``share * min(max(x - a, 0), limit)``."""
        x = np.asarray(losses, dtype=float)
        return self.share * np.minimum(np.maximum(x - self.attachment, 0.0), self.limit)

    @property
    def charges_reinstatements(self) -> bool:
        """Whether this layer's recoveries make reinstatement premiums due.

        True for an occurrence layer with a premium and reinstatements.
        """
        return self.per == "occurrence" and self.premium != 0 and self.reinstatements != 0

    def reinstatement_premiums(self, paid: np.ndarray) -> np.ndarray:
        """Reinstatement premium due for annual layer recoveries ``paid`` (after ``share``)."""
        if not self.charges_reinstatements:
            return np.zeros_like(np.asarray(paid, dtype=float))
        full = self.share * self.limit
        used = np.minimum(np.asarray(paid, dtype=float), self.reinstatements * full)
        return self.premium * self.reinstatement_premium * used / full


@dataclass(frozen=True)
class InsuranceProgram:
    """An ordered set of layers; see the module docstring for the order of application.

    Examples
    --------
    >>> prog = InsuranceProgram([Layer(1e6, 9e6), Layer(20e6, 80e6, per="aggregate")])
    >>> len(prog.occurrence), len(prog.aggregate)
    (1, 1)
    """

    layers: tuple[Layer, ...]

    def __init__(self, layers: Sequence[Layer]) -> None:
        layers = tuple(layers)
        for i, lay in enumerate(layers):
            if not isinstance(lay, Layer):
                raise TypeError(f"InsuranceProgram: layers[{i}] is not a Layer: {lay!r}")
        _check_shares(layers)
        object.__setattr__(self, "layers", layers)

    @property
    def occurrence(self) -> tuple[Layer, ...]:
        """The per-occurrence layers, in order."""
        return tuple(lay for lay in self.layers if lay.per == "occurrence")

    @property
    def aggregate(self) -> tuple[Layer, ...]:
        """The annual aggregate layers, in order."""
        return tuple(lay for lay in self.layers if lay.per == "aggregate")

    @property
    def applied_order(self) -> list[int]:
        """Each layer's index in :attr:`layers`, in the order the layers apply.

        The occurrence layers first, then the aggregate ones, each in its own order.

        >>> prog = InsuranceProgram([Layer(5e7, 1e8, per="aggregate"), Layer(1e6, 9e6)])
        >>> prog.applied_order
        [1, 0]
        """
        order = [i for i, lay in enumerate(self.layers) if lay.per == "occurrence"]
        return order + [i for i, lay in enumerate(self.layers) if lay.per == "aggregate"]

    def covers(self, layer: Layer, categories: Sequence[str]) -> np.ndarray:
        """Boolean mask of ``categories`` covered by ``layer``; unknown names raise."""
        if layer.categories is None:
            return np.ones(len(categories), dtype=bool)
        unknown = set(layer.categories) - set(categories)
        if unknown:
            raise ValueError(
                f"Layer covers unknown categories {sorted(unknown)}; model has {list(categories)}"
            )
        return np.array([c in layer.categories for c in categories])


def _money(x: float) -> str:
    """25e6 -> '25M', 1.5e9 -> '1.5bn', 2e12 -> '2tn', inf -> 'unlimited' (four figures)."""
    if math.isinf(x):
        return "unlimited"
    for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.4g}{suffix}"
    return f"{x:.4g}"


def _terms(layer: Layer) -> str:
    """``'25M xs 25M'``, with the share when it is not 100% (``'50% of 25M xs 25M'``)."""
    text = f"{_money(layer.limit)} xs {_money(layer.attachment)}"
    return text if layer.share == 1 else f"{100 * layer.share:.4g}% of {text}"


def layer_label(layer: Layer) -> str:
    """Short name of a layer, e.g. ``'25M xs 25M'`` (``'agg 50M xs 100M'`` for stop loss).

    Examples
    --------
    >>> layer_label(Layer(25e6, 25e6)), layer_label(Layer(1e8, 5e7, 0.5, per="aggregate"))
    ('25M xs 25M', 'agg 50% of 50M xs 100M')
    """
    text = _terms(layer)
    return text if layer.per == "occurrence" else f"agg {text}"


def layer_names(program: InsuranceProgram) -> tuple[str, ...]:
    """Readable, unique names of a programme's layers, in its order.

    ``'layer i: LIMIT xs ATTACHMENT per occurrence'`` (or ``aggregate``), with the share when
    it is not 100% and the categories a layer is restricted to. The number makes two layers
    with the same terms distinct.

    Examples
    --------
    >>> layer_names(InsuranceProgram([Layer(10e6, 40e6),
    ...                               Layer(1e8, 1e8, 0.5, per="aggregate", categories=["hack"])]))
    ('layer 1: 40M xs 10M per occurrence', 'layer 2: 50% of 100M xs 100M aggregate on hack')
    """
    names = []
    for i, lay in enumerate(program.layers, start=1):
        per = "per occurrence" if lay.per == "occurrence" else "aggregate"
        on = f" on {', '.join(lay.categories)}" if lay.categories else ""
        names.append(f"layer {i}: {_terms(lay)} {per}{on}")
    return tuple(names)


def _check_shares(layers: tuple[Layer, ...]) -> None:
    """Refuse layers that would cede the same loss more than once.

    Layers of one kind (per occurrence, or aggregate) that cover the same category and whose
    ranges ``[attachment, attachment + limit)`` overlap split that part of the loss between
    them: their shares must add up to at most 1 there (two insurers at 50% each is fine, two
    at 100% would recover twice the loss). Stacked layers (each attaching where the one below
    it ends) never overlap.
    """
    named = sorted({c for lay in layers if lay.categories for c in lay.categories})
    groups = [*named, None]  # None: the categories no layer names
    for per in ("occurrence", "aggregate"):
        for cat in groups:
            idx = [
                i
                for i, lay in enumerate(layers)
                if lay.per == per
                and (lay.categories is None or (cat is not None and cat in lay.categories))
            ]
            events = sorted(
                [(layers[i].attachment, 1, i) for i in idx]
                + [(layers[i].attachment + layers[i].limit, 0, i) for i in idx]
            )  # at equal points a layer ends (0) before the next one starts (1)
            active: dict[int, float] = {}
            for x, starts, i in events:
                if not starts:
                    active.pop(i, None)
                    continue
                active[i] = layers[i].share
                if sum(active.values()) > 1.0 + 1e-12:
                    which = ", ".join(f"layers[{j}]" for j in sorted(active))
                    where = f"category {cat!r}" if cat is not None else "the same categories"
                    raise ValueError(
                        f"InsuranceProgram: {which} ({per}) overlap above {x:g} on {where} "
                        f"with shares adding up to {sum(active.values()):g} > 1: they would "
                        "cede the same loss more than once; stack them (each attachment = the "
                        "previous attachment + limit) or split the shares"
                    )


#: how far (relative to gross) rounding may leave ``ceded`` outside ``[0, gross]``
CEDED_SLACK = 1e-9


def ceded_error(ceded: float, gross: float, year: int, category: int) -> RuntimeError:
    """The error of :func:`check_ceded`, for a ``ceded`` value outside ``[0, gross]``."""
    return RuntimeError(
        f"internal error: ceded {ceded!r} outside [0, gross {gross!r}] "
        f"at year {year}, category {category}; please report it"
    )


def check_ceded(gross: np.ndarray, ceded: np.ndarray) -> np.ndarray:
    """The engine's invariant ``0 <= ceded <= gross`` (per year and category), checked.

    Rounding in the pro rata allocation may leave ``ceded`` a few ulps outside; that is
    clipped. Anything more is a bug, raised as :class:`RuntimeError` rather than reported as
    a number.

    Examples
    --------
    >>> check_ceded(np.array([[2.0, 1.0]]), np.array([[2.0, 0.5]])).tolist()
    [[2.0, 0.5]]
    """
    slack = CEDED_SLACK * np.abs(gross) + 1e-300
    if not (np.all(ceded >= -slack) and np.all(ceded <= gross + slack)):
        year, cat = np.argwhere(~((ceded >= -slack) & (ceded <= gross + slack)))[0]
        raise ceded_error(float(ceded[year, cat]), float(gross[year, cat]), year, cat)
    return np.clip(ceded, 0.0, gross)


def _row_sum(a: np.ndarray) -> np.ndarray:
    """``a[:, 0] + a[:, 1] + ...``, added in category order.

    As the engine's compiled programme adds up a year (``sum(axis=1)`` adds pairwise from
    eight columns on).

    >>> _row_sum(np.array([[1.0, 2.0, 3.0]])).tolist()
    [6.0]
    """
    s = a[:, 0].copy()
    for c in range(1, a.shape[1]):
        s += a[:, c]
    return s


def _pro_rata(parts: np.ndarray, total_paid: np.ndarray) -> np.ndarray:
    """Allocate ``total_paid`` (n,) over ``parts`` (n, k) in proportion to the parts."""
    denom = _row_sum(parts)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(denom > 0, total_paid / denom, 0.0)
    return parts * ratio[:, None]


def apply_program(
    program: InsuranceProgram,
    gross: np.ndarray,
    occ_recoveries: np.ndarray,
    categories: Sequence[str],
    layer_paid: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Annual terms of a programme, vectorised over simulated years.

    The reference for the engine's compiled programme (``riskmodel.engine._program``), which
    gives the same numbers bit for bit.

    Parameters
    ----------
    program : InsuranceProgram
    gross : ndarray, shape (n, k)
        Gross annual loss per year and category.
    occ_recoveries : ndarray, shape (n, L, k)
        Per-occurrence layer losses at 100% (``min(max(x - attachment, 0), limit)``, step 1
        without ``share``) summed per year, for each occurrence layer and category.
    categories : sequence of str
    layer_paid : ndarray, shape (n, len(program.layers)), optional  (output)
        Where given, receives each layer's annual recovery (after its annual terms and
        ``share``), in the order of ``program.layers``: column ``i`` is the part of ``ceded``
        (summed over categories) that layer ``i`` pays, so the columns add up to
        ``ceded.sum(axis=1)`` up to rounding.

    Returns
    -------
    ceded : ndarray, shape (n, k)
        Recoveries per year and category after all terms.
    reinstatement_premium : ndarray, shape (n,)
        Reinstatement premiums due per year.
    """
    n, k = gross.shape
    ceded = np.zeros((n, k))
    rp = np.zeros(n)
    order = program.applied_order  # each layer's column of ``layer_paid``
    for li, lay in enumerate(program.occurrence):
        parts = occ_recoveries[:, li, :]
        annual = _row_sum(parts)
        paid = lay.share * np.minimum(
            np.maximum(annual - lay.agg_deductible, 0.0), lay.annual_limit
        )
        ceded += _pro_rata(parts, paid)
        rp += lay.reinstatement_premiums(paid)
        if layer_paid is not None:
            layer_paid[:, order[li]] = paid
    net_occ = gross - ceded
    for la, lay in enumerate(program.aggregate):
        mask = program.covers(lay, categories)
        parts = net_occ * mask
        subject = _row_sum(parts)
        paid = lay.share * np.minimum(np.maximum(subject - lay.attachment, 0.0), lay.limit)
        ceded += _pro_rata(parts, paid)
        if layer_paid is not None:
            layer_paid[:, order[len(program.occurrence) + la]] = paid
    return check_ceded(gross, ceded), rp
