"""Forecast stage: ticket history -> arrivals per role, tier and slot for a week.

* ``slot_counts(instance)`` - counts per open day, slot, role and tier;
* ``MODELS`` - ``naive``, ``profile``, ``poisson``, ``topdown`` (fit / predict);
* ``forecast_counts(instance, week_start, model)`` - the week's forecast frame;
* ``backtest(counts, models, folds)`` and ``choose_model(table)`` - rolling-origin evaluation.
"""

from staffline.forecasting.baseline import forecast_counts, profile_forecast, service_minutes, slot_counts
from staffline.forecasting.estimators import MODELS, PoissonRegression, SeasonalNaive, TopDown, WeekdayProfile
from staffline.forecasting.evaluation import backtest, choose_model

__all__ = [
    "MODELS",
    "PoissonRegression",
    "SeasonalNaive",
    "TopDown",
    "WeekdayProfile",
    "backtest",
    "choose_model",
    "forecast_counts",
    "profile_forecast",
    "service_minutes",
    "slot_counts",
]
