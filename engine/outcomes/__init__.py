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

from engine.lazy import lazy_exports

_EXPORTS = {
    "MovementLimits": "limits", "default_limits": "limits",
    "OutcomeConfig": "models", "OutcomeModels": "models", "default_models": "models",
    "OutcomeArrays": "numpy_eval", "OutcomeParams": "numpy_eval",
    "ScalarOutcomes": "scalar_eval",
    "OutcomeTensors": "torch_eval",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
