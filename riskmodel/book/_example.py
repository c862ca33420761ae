"""The illustrative example book: N variants of the bundled exchange profile and a vendor.

Every figure here is an ASSUMPTION chosen to make a plausible-looking book, not data:

- each exchange is the bundled mid-sized Japanese profile (``example_jp_midsize.toml``) with
  its trading volume multiplied by a lognormal factor (log-sd 1.0) and its custody assets by
  the same factor times another (log-sd 0.5);
- its layer is the profile's (JPY 5bn xs JPY 1bn, 6% rate on line) scaled with its assets;
  the insurer writes a share drawn from 10%, 20%, 25%, 50% and 100% and charges that share of
  the layer's 6% rate on line;
- one shared event, a compromise of a wallet-software vendor (the DMM Bitcoin loss of 2024,
  USD 305M, came through one), 0.01 occurrences a year; 40% of the exchanges use the vendor,
  each hit with probability 0.5 when it is compromised, losing a uniform 2%-20% of its assets.
  The industry frequencies the profiles scale already count vendor-caused hacks among all
  hacks; the event is added on top of them (not carved out), a conservative choice.
"""

from __future__ import annotations

import numpy as np

__all__ = ["example_book_text"]

_BASE_VOLUME = 2.0e12  # JPY, the bundled profile's
_BASE_ASSETS = 1.5e11  # JPY
_BASE_ATTACH, _BASE_LIMIT, _RATE_ON_LINE = 1.0e9, 5.0e9, 0.06
_SHARES = (0.1, 0.2, 0.25, 0.5, 1.0)
VENDOR_RATE, VENDOR_USERS, VENDOR_HIT, VENDOR_FRACTION = 0.01, 0.4, 0.5, (0.02, 0.20)


def _round(x: float) -> float:
    """Two significant digits (figures that look written by hand, and stay exact in TOML)."""
    return float(f"{x:.2g}")


def example_book_text(n_policies: int, seed: int = 2024) -> str:
    """TOML text of an illustrative book of ``n_policies`` exchanges (see the module notes).

    Examples
    --------
    >>> example_book_text(2).count("[[policies]]")
    2
    """
    if isinstance(n_policies, bool) or not isinstance(n_policies, int) or n_policies < 1:
        raise ValueError(f"n_policies: must be a positive integer, got {n_policies!r}")
    rng = np.random.default_rng(seed)
    vol = np.exp(rng.normal(0.0, 1.0, n_policies))
    assets = vol * np.exp(rng.normal(0.0, 0.5, n_policies))
    shares = rng.choice(_SHARES, n_policies)
    users = rng.random(n_policies) < VENDOR_USERS
    if not users.any():
        users[0] = True
    width = len(str(n_policies))
    names = [f"Exchange {i + 1:0{width}d}" for i in range(n_policies)]
    out = [
        "# Example book: an insurer's crime/specie policies on crypto exchanges.",
        "#",
        "# ILLUSTRATIVE. Written by riskmodel.book.write_example_book"
        f"(path, n_policies={n_policies}, seed={seed}).",
        "# Every exchange is the bundled example profile (a mid-sized Japanese exchange) with",
        "# its volume and custody assets scaled by random factors; layers scale with assets;",
        "# the insurer's shares, premiums (6% rate on line) and the shared vendor event are",
        "# ASSUMPTIONS (see riskmodel/books/README.md). Amounts in JPY, the profile's currency.",
        "",
        f'name = "Example book, {n_policies} exchanges (illustrative)"',
        'description = "Variants of the bundled example exchange and one shared vendor."',
        "",
        "[calibration]",
        "threshold_usd = 1.0e6",
        "since = 2014",
    ]
    for i in range(n_policies):
        a = _round(_BASE_ASSETS * assets[i])
        scale = a / _BASE_ASSETS
        lim = _round(_BASE_LIMIT * scale)
        out += [
            "",
            "[[policies]]",
            f'name = "{names[i]}"',
            'profile = "example"',
            f"trading_volume = {_round(_BASE_VOLUME * vol[i]):.6g}",
            f"assets = {a:.6g}",
            f"share = {shares[i]:g}",
            f"premium = {_round(shares[i] * _RATE_ON_LINE * lim):.6g}",
            "[[policies.layers]]",
            f"attachment = {_round(_BASE_ATTACH * scale):.6g}",
            f"limit = {lim:.6g}",
            'categories = ["hack", "operational"]',
        ]
    exposed = ", ".join(f'"{names[i]}"' for i in np.flatnonzero(users))
    out += [
        "",
        "# A compromise of a wallet-software vendor that some of the exchanges use.",
        "[[events]]",
        'name = "vendor compromise"',
        f"rate = {VENDOR_RATE}",
        'category = "hack"',
        f"policies = [{exposed}]",
        f"probability = {VENDOR_HIT}",
        f"fraction_of_assets = [{VENDOR_FRACTION[0]}, {VENDOR_FRACTION[1]}]",
        "",
    ]
    return "\n".join(out)
