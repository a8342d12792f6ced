"""Outcome models fitted from the logs and their evaluators.

- ``models``: shot make / foul / free-throw / rebound / turnover models
  (:class:`OutcomeModels`, shipped defaults via :func:`default_models`);
- ``passing``, ``timing``: pass interception, pass speed, shot flight, turnover hazard;
- ``limits``: measured movement limits (:class:`MovementLimits`);
- ``fit``: fitting everything from logs (``stats`` holds the leaf helpers it shares);
- ``evaluation``, ``evaluation_passing``: held-out Brier / reliability reports;
- three evaluators of one fitted model, side by side and tested as twins:
  ``numpy_eval`` (:class:`OutcomeArrays`), ``torch_eval`` (:class:`OutcomeTensors`) and
  ``scalar_eval`` (:class:`ScalarOutcomes`, Python floats for the single-env fast path).
"""

from engine.outcomes.limits import MovementLimits, default_limits
from engine.outcomes.models import OutcomeConfig, OutcomeModels, default_models
from engine.outcomes.numpy_eval import OutcomeArrays, OutcomeParams
from engine.outcomes.scalar_eval import ScalarOutcomes
from engine.outcomes.torch_eval import OutcomeTensors

__all__ = ["MovementLimits", "OutcomeArrays", "OutcomeConfig", "OutcomeModels", "OutcomeParams",
           "OutcomeTensors", "ScalarOutcomes", "default_limits", "default_models"]
