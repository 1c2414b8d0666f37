"""Every forecast model by name, and the one way to make one.

``MODELS`` holds the models a backtest compares (the five base models and the
ensemble). ``auto`` is not among them: it is a choice between them, and a
loop over ``MODELS`` (the backtest table, the speed benchmark) must not
backtest the chooser inside itself. ``MODEL_NAMES`` is what a user may ask
for: ``auto`` and every entry of ``MODELS``.
"""

from __future__ import annotations

from staffline.forecasting.auto import Auto
from staffline.forecasting.base_models import BASE_MODELS
from staffline.forecasting.combination import Ensemble
from staffline.forecasting.estimators import ForecastModel

MODELS: dict[str, type[ForecastModel]] = {**BASE_MODELS, Ensemble.name: Ensemble}
MODEL_NAMES: tuple[str, ...] = (Auto.name, *MODELS)


def make_model(name: str, **params) -> ForecastModel:
    """An unfitted model by name (``ValueError`` naming the known ones for anything else)."""
    if name == Auto.name:
        return Auto(**params)
    if name not in MODELS:
        raise ValueError(f"unknown forecast model {name!r} (known: {', '.join(MODEL_NAMES)})")
    return MODELS[name](**params)
