"""What forecast a plan used: the model, what ``auto`` chose, and how well it did on the history's own folds.

A roster is only as trustworthy as its forecast, so the report and kpis.json
carry this record (``ForecastInfo.as_dict()``) next to the roster.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from staffline.forecasting.base_models import BASE_MODELS
from staffline.forecasting.calibration import backtest_residuals
from staffline.forecasting.estimators import ForecastModel

DEFAULT_FOLDS = 8


@dataclass(frozen=True)
class ForecastInfo:
    """``requested``: the name asked for (e.g. ``auto``); ``model``: the model that produced the numbers
    (e.g. ``ensemble``); ``description``: the same in words (members, settings); ``backtest_wape``: its
    pooled 5-minute/slot WAPE out of sample on the last ``backtest_folds`` weeks of the history (None if not
    backtested); ``candidates``: every candidate's backtest WAPE when ``auto`` chose."""

    requested: str
    model: str
    description: str
    interval_method: str
    backtest_wape: float | None
    backtest_folds: int
    candidates: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def forecast_info(
    requested: str, fitted: ForecastModel, counts: pd.DataFrame, folds: int = DEFAULT_FOLDS, backtest: bool = True
) -> ForecastInfo:
    """The record of a fitted model; a single model without its own backtest is backtested here (``backtest``).

    That backtest refits a copy of ``fitted`` itself (its settings, calendar
    included) on each fold, and its residuals also calibrate the model's
    intervals, so the folds are fitted once for both.
    """
    chosen = getattr(fitted, "chosen", fitted)  # auto delegates to the model it picked
    wape, used = fitted.backtest_wape, getattr(fitted, "folds_used", 0)
    if wape is None and backtest and fitted.name in BASE_MODELS:
        residuals = backtest_residuals(fitted, counts, folds)
        if residuals.folds:
            fitted.calibrate(residuals)
            wape, used = residuals.wape, residuals.folds
    return ForecastInfo(
        requested=requested,
        model=chosen.name,
        description=chosen.describe(),
        interval_method=chosen.interval_method,
        backtest_wape=None if wape is None else float(wape),
        backtest_folds=int(used),
        candidates=dict(getattr(fitted, "scores", {})),
    )
