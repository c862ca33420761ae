r"""Standard formulas that regulators use (or propose) for the same job as the model reserve.

- :func:`volume_reserve`: a reserve proportional to trading volume with a floor and a cap,
  the template of Japan's plan for crypto exchanges (the securities firms' financial
  instruments transaction liability reserve). Its default rate is a **placeholder**.
- :func:`mica_own_funds`: EU MiCA Article 67 prudential safeguards of a crypto-asset
  service provider.
- :func:`basel_operational_risk`: the Basel III standardised approach for operational risk
  (business-indicator component times internal loss multiplier).
- :func:`compare_standard_formulas`: all of them for one exchange profile, side by side with
  the model reserve, with every currency conversion shown.

Amounts are plain floats. :func:`volume_reserve` works in the currency of its arguments; the
MiCA and Basel functions work in EUR because their thresholds are set in EUR.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .profile import ExchangeProfile

__all__ = [
    "BASEL_BUCKETS_EUR",
    "MICA_PERMANENT_MINIMUM_EUR",
    "PLACEHOLDER_VOLUME_RATE",
    "SECURITIES_FIRM_RESERVE_RANGE_JPY",
    "BaselResult",
    "basel_bic",
    "basel_operational_risk",
    "compare_standard_formulas",
    "mica_own_funds",
    "volume_reserve",
]

#: Placeholder reserve rate per unit of annual trading volume (0.01%). NOT the rate of any law:
#: the rates of the Cabinet Office Ordinance on Financial Instruments Business, Art. 175, are not
#: in riskmodel's data. Chosen as a round number so that a firm trading JPY 20tn a year would
#: hold JPY 2bn, the low end of the range securities firms hold; replace it with the enacted rate.
PLACEHOLDER_VOLUME_RATE = 1e-4

#: Financial instruments transaction liability reserves held by Japanese securities firms,
#: JPY (context only; FSA plan as reported 2025-11-24/25, see riskmodel's data notes).
SECURITIES_FIRM_RESERVE_RANGE_JPY = (2e9, 40e9)

#: MiCA Annex IV permanent minimum capital by class of crypto-asset service provider, EUR.
MICA_PERMANENT_MINIMUM_EUR = {1: 50_000.0, 2: 125_000.0, 3: 150_000.0}

#: Basel III business-indicator buckets: (upper end of the bucket in EUR, marginal coefficient).
BASEL_BUCKETS_EUR = ((1e9, 0.12), (30e9, 0.15), (math.inf, 0.18))

_MIN_LOSS_YEARS = 5  # Basel: at least five years of loss data where ten are not available
_LOSS_YEARS = 10


def _finite(value: Any, name: str, *, minimum: float = 0.0, inclusive: bool = True) -> float:
    if isinstance(value, (bool, str, bytes)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    ok = math.isfinite(x) and (x >= minimum if inclusive else x > minimum)
    if not ok:
        rel = ">=" if inclusive else ">"
        raise ValueError(f"{name} must be finite and {rel} {minimum:g}, got {value!r}")
    return x


def volume_reserve(
    volume: float,
    *,
    rate: float = PLACEHOLDER_VOLUME_RATE,
    floor: float = 0.0,
    cap: float | None = None,
) -> float:
    r"""Volume-based liability reserve: rate x annual trading volume, with a floor and a cap.

    Parameters
    ----------
    volume : float
        Annual trading volume (>= 0), in any currency.
    rate : float, default :data:`PLACEHOLDER_VOLUME_RATE` (1e-4)
        Reserve per unit of volume (>= 0). The default is a placeholder, not a legal rate.
    floor : float, default 0
        Minimum reserve, in the currency of ``volume``.
    cap : float, optional
        Maximum reserve (>= ``floor``), in the currency of ``volume``; default none.

    Returns
    -------
    float
        The reserve, in the currency of ``volume``.

    Notes
    -----
    .. math:: R = \min\bigl(\max(r V, R_{\min}), R_{\max}\bigr).

    Japan's Financial Services Agency plans (reported 2025-11; working-group report of
    2025-12-10) to require crypto exchanges to hold a liability reserve sized by trading
    volume and past incidents, partly replaceable by insurance, on the template of the
    securities firms' financial instruments transaction liability reserve (FIEA Art. 46-5,
    accumulated by trading volume under Cabinet Office Ordinance on Financial Instruments
    Business Art. 175). Securities firms hold JPY 2bn to 40bn
    (:data:`SECURITIES_FIRM_RESERVE_RANGE_JPY`). The ordinance's rates are not in
    riskmodel's data, so the default ``rate`` is a clearly labelled placeholder; pass the
    enacted rate, floor and cap when they are known. The ordinance accumulates the reserve
    year by year; this function gives the level implied by one year's volume.

    References
    ----------
    .. [1] Financial Instruments and Exchange Act (Japan), Article 46-5 (liability reserve).
    .. [2] Cabinet Office Ordinance on Financial Instruments Business, Article 175.
    .. [3] Financial Services Agency of Japan, Working Group on crypto-asset regulation,
       report of 2025-12-10 (as reported in the press, 2025-11-24/25 and 2025-12).

    Examples
    --------
    >>> volume_reserve(2e12)  # JPY 2tn x 0.01% (placeholder rate)
    200000000.0
    >>> volume_reserve(2e12, rate=1e-4, floor=5e8)
    500000000.0
    >>> volume_reserve(1e15, rate=1e-4, cap=4e10)
    40000000000.0
    """
    v = _finite(volume, "volume")
    r = _finite(rate, "rate")
    lo = _finite(floor, "floor")
    hi = math.inf if cap is None else _finite(cap, "cap")
    if hi < lo:
        raise ValueError(f"cap ({hi:g}) is below floor ({lo:g})")
    return float(min(max(r * v, lo), hi))


def mica_own_funds(service_class: int, fixed_overheads: float) -> float:
    r"""MiCA Article 67 prudential requirement of a crypto-asset service provider, in EUR.

    Parameters
    ----------
    service_class : {1, 2, 3}
        Annex IV class: 1 (e.g. reception and transmission of orders, advice, execution of
        orders, placing, transfer services, portfolio management), 2 (class 1 services plus
        custody and administration, or exchange of crypto-assets for funds or other
        crypto-assets), 3 (class 2 services plus operating a trading platform).
    fixed_overheads : float
        Fixed overheads of the preceding year, EUR (>= 0).

    Returns
    -------
    float
        :math:`\max(\text{permanent minimum}, \tfrac14 \times \text{fixed overheads})`, EUR.

    Notes
    -----
    Permanent minimum capital (Annex IV): EUR 50,000 / 125,000 / 150,000 for classes
    1 / 2 / 3 (:data:`MICA_PERMANENT_MINIMUM_EUR`). The requirement may be met by own funds,
    an insurance policy, or a combination (Art. 67(4)). A provider in business for less
    than a year uses its projected fixed overheads.

    References
    ----------
    .. [1] Regulation (EU) 2023/1114 on markets in crypto-assets (MiCA), Article 67 and
       Annex IV, OJ L 150, 9.6.2023.

    Examples
    --------
    >>> mica_own_funds(3, 400_000.0)  # a quarter of overheads is 100k < 150k minimum
    150000.0
    >>> mica_own_funds(2, 2_000_000.0)
    500000.0
    """
    if isinstance(service_class, bool) or service_class not in MICA_PERMANENT_MINIMUM_EUR:
        raise ValueError(f"service_class must be 1, 2 or 3, got {service_class!r}")
    fo = _finite(fixed_overheads, "fixed_overheads")
    return max(MICA_PERMANENT_MINIMUM_EUR[int(service_class)], 0.25 * fo)


def basel_bic(business_indicator: float) -> float:
    r"""Basel III business-indicator component (BIC), EUR.

    Parameters
    ----------
    business_indicator : float
        Business indicator BI, EUR (>= 0): the three-year average of the interest, leases
        and dividend component, the services component and the financial component.

    Returns
    -------
    float
        BIC, EUR.

    Notes
    -----
    Marginal coefficients: 12% of BI up to EUR 1bn, 15% of the part from EUR 1bn to 30bn,
    18% above EUR 30bn (:data:`BASEL_BUCKETS_EUR`):

    .. math::
        \text{BIC} = 0.12\min(BI, 1) + 0.15\,\text{clip}(BI - 1, 0, 29)
                   + 0.18\max(BI - 30, 0) \quad (\text{EUR bn}).

    References
    ----------
    .. [1] Basel Committee on Banking Supervision (2017), *Basel III: Finalising post-crisis
       reforms*, section on the standardised approach for operational risk; Basel Framework,
       chapter OPE25.

    Examples
    --------
    >>> basel_bic(2e9) / 1e6  # 0.12 x 1bn + 0.15 x 1bn
    270.0
    """
    bi = _finite(business_indicator, "business_indicator")
    out, lower = 0.0, 0.0
    for upper, coef in BASEL_BUCKETS_EUR:
        out += coef * max(min(bi, upper) - lower, 0.0)
        lower = upper
    return out


def _bucket(bi: float) -> int:
    for i, (upper, _) in enumerate(BASEL_BUCKETS_EUR, start=1):
        if bi <= upper:
            return i
    raise AssertionError("unreachable: the last bucket is unbounded")  # pragma: no cover


@dataclass(frozen=True)
class BaselResult:
    """Result of :func:`basel_operational_risk` (all amounts EUR).

    Attributes
    ----------
    business_indicator, bic : float
        BI and the business-indicator component.
    bucket : int
        1 (BI <= EUR 1bn), 2 (<= EUR 30bn) or 3.
    loss_component : float
        LC = 15 x average annual losses (NaN when no loss data were used).
    ilm : float
        Internal loss multiplier applied.
    capital : float
        BIC x ILM.
    ilm_rule : str
        How the ILM was set (``"formula"``, ``"1 (bucket 1)"``, ``"1 (national discretion)"``,
        ``"1 (fewer than 5 years of losses)"``).
    n_loss_years : int
        Years of losses averaged in LC (the last 10 given, or all if 5 to 9).
    """

    business_indicator: float
    bic: float
    bucket: int
    loss_component: float
    ilm: float
    capital: float
    ilm_rule: str
    n_loss_years: int


def basel_operational_risk(
    business_indicator: float,
    annual_losses: Sequence[float] | None = None,
    *,
    ilm: str = "auto",
) -> BaselResult:
    r"""Basel III standardised approach for operational risk: capital = BIC x ILM, EUR.

    Parameters
    ----------
    business_indicator : float
        Business indicator BI, EUR (>= 0).
    annual_losses : sequence of float, optional
        Annual operational-risk losses, EUR (>= 0), oldest first; the last ten are used (all
        of them if five to nine are given, the Basel transition).
    ilm : {"auto", "formula", "one"}
        ``"auto"`` (Basel's default): ILM = 1 for bucket 1 (BI <= EUR 1bn), where internal
        losses do not affect capital, and the formula otherwise (ILM = 1 if fewer than five
        years of losses are given). ``"formula"``: always the formula (it needs five years of
        losses), the national option of letting bucket-1 banks use their loss data.
        ``"one"``: ILM = 1 for all, the national option of ignoring loss data.

    Returns
    -------
    BaselResult

    Notes
    -----
    .. math::
        LC = 15\,\bar L, \qquad
        ILM = \ln\!\bigl(e - 1 + (LC/BIC)^{0.8}\bigr), \qquad
        \text{capital} = BIC \times ILM,

    with :math:`\bar L` the average annual loss over ten years and BIC from
    :func:`basel_bic`. ILM = 1 when LC = BIC; it falls to :math:`\ln(e-1) \approx 0.541` for
    a firm without losses and grows without bound (logarithmically) with LC/BIC.

    References
    ----------
    .. [1] Basel Committee on Banking Supervision (2017), *Basel III: Finalising post-crisis
       reforms*, section on the standardised approach for operational risk; Basel Framework,
       chapter OPE25 (business indicator, loss component, internal loss multiplier and
       national discretions).

    Examples
    --------
    >>> r = basel_operational_risk(2e9, [18e6] * 10)  # LC = 15 x 18M = 270M = BIC
    >>> round(r.ilm, 12), r.capital / 1e6
    (1.0, 270.0)
    """
    if ilm not in ("auto", "formula", "one"):
        raise ValueError(f"ilm must be 'auto', 'formula' or 'one', got {ilm!r}")
    bi = _finite(business_indicator, "business_indicator")
    bic = basel_bic(bi)
    bucket = _bucket(bi)
    losses = np.asarray([] if annual_losses is None else annual_losses, dtype=float)
    if losses.ndim != 1:
        raise ValueError(f"annual_losses must be a 1-d sequence, got shape {losses.shape}")
    if not (np.isfinite(losses).all() and (losses >= 0).all()):
        raise ValueError("annual_losses must be finite and >= 0")
    used = losses[-_LOSS_YEARS:]
    enough = used.size >= _MIN_LOSS_YEARS
    lc = 15.0 * float(used.mean()) if enough else math.nan
    if ilm == "formula" and not enough:
        raise ValueError(
            f"ilm='formula' needs at least {_MIN_LOSS_YEARS} years of annual losses, "
            f"got {losses.size}"
        )
    if ilm == "one":
        value, rule = 1.0, "1 (national discretion)"
    elif ilm == "auto" and bucket == 1:
        value, rule = 1.0, "1 (bucket 1)"
    elif not enough:
        value, rule = 1.0, f"1 (fewer than {_MIN_LOSS_YEARS} years of losses)"
    elif bic == 0.0:
        raise ValueError("business_indicator is 0: LC/BIC is undefined")
    else:
        value, rule = math.log(math.e - 1.0 + (lc / bic) ** 0.8), "formula"
    return BaselResult(
        business_indicator=bi,
        bic=bic,
        bucket=bucket,
        loss_component=lc,
        ilm=value,
        capital=bic * value,
        ilm_rule=rule,
        n_loss_years=int(used.size) if enough else 0,
    )


# ---------------------------------------------------------------------------- comparison
def _first(*values: Any) -> Any:
    """The first value that is not None (None if all are)."""
    return next((v for v in values if v is not None), None)


def _model_rows(model_reserve: Any) -> list[tuple[str, float, str]]:
    """(label, USD amount, basis) for each model figure given."""
    from .reserving import ReserveResult

    def rows_of(label: str | None, value: Any) -> list[tuple[str, float, str]]:
        if isinstance(value, ReserveResult):
            name = "VaR" if value.measure == "var" else "TVaR"
            what = f"{name} {100 * value.coverage:g}% of annual loss, n_sims {value.n_sims:,}"
            prefix = f"model {label}" if label else "model"
            out = [(f"{prefix}: gross", float(value.gross_reserve), what)]
            out.append((f"{prefix}: net of insurance", float(value.reserve), what))
            return out
        amount = _finite(value, f"model_reserve[{label!r}]" if label else "model_reserve")
        return [(f"model: {label}" if label else "model", amount, "given (USD)")]

    if isinstance(model_reserve, Mapping):
        return [r for k, v in model_reserve.items() for r in rows_of(str(k), v)]
    return rows_of(None, model_reserve)


def compare_standard_formulas(
    profile: ExchangeProfile,
    model_reserve: Any,
    *,
    volume_rate: float | None = None,
    volume_floor: float | None = None,
    volume_cap: float | None = None,
    basel_ilm: str = "auto",
) -> pd.DataFrame:
    r"""What each standard formula asks of one exchange, side by side with the model reserve.

    Parameters
    ----------
    profile : ExchangeProfile
        The exchange: trading volume and, for MiCA and Basel, ``mica_class``,
        ``fixed_overheads``, ``business_indicator`` and the history's annual ``losses``; its
        ``usd_per_unit`` and ``usd_per_eur`` convert currencies.
    model_reserve : ReserveResult, float, or mapping of label to either
        The model's reserve: a :class:`~riskmodel.reserving.ReserveResult` (gives a gross and
        a net row) or an amount in USD (the currency of the model).
    volume_rate, volume_floor, volume_cap : float, optional
        Terms of :func:`volume_reserve` (floor and cap in the profile's currency); default:
        the profile's ``volume_rate``/``volume_floor``/``volume_cap``, else the placeholder
        rate, no floor and no cap.
    basel_ilm : {"auto", "formula", "one"}
        ILM rule of :func:`basel_operational_risk`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``requirement``; columns ``amount`` (profile currency), ``currency``,
        ``usd``, ``eur`` (NaN without ``usd_per_eur``), ``basis`` (the formula with its
        numbers) and ``note``. A formula whose inputs the profile lacks has NaN amounts and
        says which input is missing.

    Notes
    -----
    Conversions: USD = amount x ``usd_per_unit``; EUR = USD / ``usd_per_eur``. MiCA and Basel
    are computed in EUR (their thresholds are in EUR) and converted back. The rates are
    the profile's and are stated in its ``fx_source``; they are not market data of the day.

    References
    ----------
    .. [1] See :func:`volume_reserve`, :func:`mica_own_funds` and
       :func:`basel_operational_risk`.

    Examples
    --------
    >>> from riskmodel.profile import example_profile
    >>> tab = compare_standard_formulas(example_profile(), 20e6)
    >>> list(tab.columns)
    ['amount', 'currency', 'usd', 'eur', 'basis', 'note']
    """
    cur, fx = profile.currency, profile.usd_per_unit
    eur_fx = profile.usd_per_eur

    def to_eur(amount_cur: float) -> float:
        return amount_cur * fx / eur_fx if eur_fx else math.nan

    def from_eur(amount_eur: float) -> float:
        return amount_eur * eur_fx / fx if eur_fx else math.nan

    rows: list[dict[str, Any]] = []

    def add(name: str, amount: float, basis: str, note: str = "") -> None:
        rows.append(
            {
                "requirement": name,
                "amount": amount,
                "currency": cur,
                "usd": amount * fx,
                "eur": to_eur(amount),
                "basis": basis,
                "note": note,
            }
        )

    model_rows = _model_rows(model_reserve)
    for label, usd, basis in model_rows:
        add(label, usd / fx, basis, "simulated; currency of the model is USD")

    # volume-based
    placeholder = volume_rate is None and profile.volume_rate is None
    rate = _first(volume_rate, profile.volume_rate, PLACEHOLDER_VOLUME_RATE)
    floor = _first(volume_floor, profile.volume_floor, 0.0)
    cap = _first(volume_cap, profile.volume_cap)
    vol = profile.trading_volume
    amount = volume_reserve(vol, rate=rate, floor=floor, cap=cap)
    note = "PLACEHOLDER rate, not the law (Ordinance Art. 175 rates not in our data); "
    note = note if placeholder else ""
    lo, hi = SECURITIES_FIRM_RESERVE_RANGE_JPY
    note += f"securities firms hold JPY {lo / 1e9:g}bn-{hi / 1e9:g}bn"
    if model_rows:
        label, usd, _ = model_rows[-1]
        note += f"; rate matching '{label}': {usd / fx / vol:.3g}"
    terms = f"{rate:g} x volume {vol:,.0f} {cur}"
    if floor:
        terms += f", floor {floor:,.0f}"
    if cap is not None:
        terms += f", cap {cap:,.0f}"
    add("volume-based (FIEA 46-5 template)", amount, terms, note)

    # MiCA
    if profile.mica_class is None or profile.fixed_overheads is None or not eur_fx:
        missing = [
            k
            for k, v in (
                ("mica_class", profile.mica_class),
                ("fixed_overheads", profile.fixed_overheads),
                ("usd_per_eur", eur_fx),
            )
            if v is None
        ]
        add("MiCA Art. 67 own funds", math.nan, "", f"profile lacks {', '.join(missing)}")
    else:
        fo_eur = to_eur(profile.fixed_overheads)
        eur = mica_own_funds(profile.mica_class, fo_eur)
        floor_eur = MICA_PERMANENT_MINIMUM_EUR[profile.mica_class]
        add(
            "MiCA Art. 67 own funds",
            from_eur(eur),
            f"max(EUR {floor_eur:,.0f} (class {profile.mica_class}), "
            f"1/4 x fixed overheads EUR {fo_eur:,.0f})",
            "may be met by equity, an insurance policy, or both",
        )

    # Basel
    if profile.business_indicator is None or not eur_fx:
        missing = [
            k
            for k, v in (
                ("business_indicator", profile.business_indicator),
                ("usd_per_eur", eur_fx),
            )
            if v is None
        ]
        add("Basel III SA operational risk", math.nan, "", f"profile lacks {', '.join(missing)}")
    else:
        losses = [to_eur(y.losses) for y in profile.history if y.losses is not None]
        b = basel_operational_risk(to_eur(profile.business_indicator), losses, ilm=basel_ilm)
        if math.isnan(b.loss_component):
            lc = "LC not computed (fewer than 5 years of losses)"
        else:
            lc = f"LC EUR {b.loss_component:,.0f} from {b.n_loss_years} years of losses"
            if b.ilm_rule != "formula" and b.bic > 0:
                alt = math.log(math.e - 1.0 + (b.loss_component / b.bic) ** 0.8)
                lc += f" (the ILM formula would give {alt:.4f})"
        add(
            "Basel III SA operational risk",
            from_eur(b.capital),
            f"BIC EUR {b.bic:,.0f} (BI EUR {b.business_indicator:,.0f}, bucket {b.bucket}) "
            f"x ILM {b.ilm:.4f}",
            f"ILM {b.ilm_rule}; {lc}",
        )
    return pd.DataFrame(rows).set_index("requirement")
