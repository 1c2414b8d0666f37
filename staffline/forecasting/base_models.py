"""The single (non-combined) forecast models by name: what the fold bank fits, the ensemble's families
come from and ``auto`` chooses between. A module of its own so the day-level model, which builds on
:mod:`.estimators`, can sit beside the models defined there."""

from __future__ import annotations

from staffline.forecasting.daylevel import DayLevel
from staffline.forecasting.estimators import ForecastModel, PoissonRegression, SeasonalNaive, TopDown, WeekdayProfile

BASE_MODELS: dict[str, type[ForecastModel]] = {m.name: m for m in (SeasonalNaive, WeekdayProfile, PoissonRegression, TopDown, DayLevel)}
