"""Forecast stage: ticket history -> arrivals per role, tier and slot for a week.

* ``slot_counts(instance)`` - counts per open day, slot, role and tier;
* ``MODELS`` - ``naive``, ``profile``, ``poisson``, ``topdown``, ``daylevel``, ``ensemble`` (fit / predict;
  intervals calibrated on each model's own backtest residuals);
  ``MODEL_NAMES`` - those plus ``auto`` (chosen on rolling folds of the history); ``make_model(name)``;
* ``forecast_counts(instance, week_start, model)`` - the week's forecast frame;
  ``fit_forecast(...)`` - the frame and its ``ForecastInfo`` (model used, auto's pick, backtest WAPE);
* ``backtest(counts, models, folds)`` and ``choose_model(table)`` - rolling-origin evaluation.
"""

from staffline.forecasting.auto import Auto
from staffline.forecasting.baseline import fit_forecast, forecast_counts, profile_forecast, service_minutes, slot_counts
from staffline.forecasting.combination import Ensemble
from staffline.forecasting.daylevel import DayLevel
from staffline.forecasting.estimators import PoissonRegression, SeasonalNaive, TopDown, WeekdayProfile
from staffline.forecasting.evaluation import backtest, choose_model
from staffline.forecasting.info import ForecastInfo
from staffline.forecasting.registry import MODEL_NAMES, MODELS, make_model

__all__ = [
    "MODELS",
    "MODEL_NAMES",
    "Auto",
    "DayLevel",
    "Ensemble",
    "ForecastInfo",
    "PoissonRegression",
    "SeasonalNaive",
    "TopDown",
    "WeekdayProfile",
    "backtest",
    "choose_model",
    "fit_forecast",
    "forecast_counts",
    "make_model",
    "profile_forecast",
    "service_minutes",
    "slot_counts",
]
