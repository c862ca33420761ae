"""Model specifications: the model every command simulates, as an editable TOML file.

:class:`ModelSpec` (categories of :class:`CategorySpec`, each a frequency and a
:class:`SeveritySpec` with threshold, cap and provenance), :func:`load_model` and
:meth:`ModelSpec.save`. ``riskmodel fit --save-model FILE`` writes the model the data support;
``riskmodel reserve|simulate|price|report --model FILE`` simulate exactly that file.
"""

from ._model import CategorySpec, ModelSpec, SeveritySpec
from ._toml import load_model, save_model

__all__ = ["CategorySpec", "ModelSpec", "SeveritySpec", "load_model", "save_model"]
