r"""Exchange profile: one exchange's size, custody, history and insurance, as a LossModel.

An :class:`ExchangeProfile` holds what the industry fits need to become one exchange's model:
its trading volume (frequency scales with it), the global volume the industry frequency was
observed on, its assets under custody (no single loss exceeds them), its own incident history
(credibility) and its insurance programme. :meth:`ExchangeProfile.build_model` turns it and an
:class:`~riskmodel.calibrate.IndustryCalibration` into a :class:`~riskmodel.model.LossModel`,
an :class:`~riskmodel.insurance.InsuranceProgram` and the list of assumptions made.

Profiles are written in TOML and read by :func:`load_profile`, which names the file, the key
path (``insurance.layers[1].limit``; array indices start at 0) and what is wrong for every
mistake. :func:`example_profile` loads the bundled mid-sized Japanese exchange.
"""

from ._exchange import EXAMPLE_PROFILES, ExchangeProfile, HistoryYear
from ._toml import example_profile, load_profile, resolve_profile

__all__ = [
    "EXAMPLE_PROFILES",
    "ExchangeProfile",
    "HistoryYear",
    "example_profile",
    "load_profile",
    "resolve_profile",
]
