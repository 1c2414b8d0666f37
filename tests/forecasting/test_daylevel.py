"""The day-level model: smoothed daily totals with weekday factors, closed days and their neighbours."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from staffline.forecasting import MODEL_NAMES, make_model
from staffline.forecasting.daylevel import DayLevel
from tests.forecasting.test_estimators import SLOTS, START

FACTORS = np.array([1.3, 1.0, 0.9, 0.95, 1.1])  # Monday .. Friday
SHAPE = 1.0 + np.exp(-((np.arange(len(SLOTS)) - 6) ** 2) / 10)


def weekday_counts(weeks: int, seed: int, closed=(), after_closed: float = 1.0, level: float = 600.0) -> pd.DataFrame:
    """Monday-Friday counts ~ Poisson(level x FACTORS[weekday] x slot share), ``closed`` days absent, the day after
    a closed day ``after_closed`` times busier."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(weeks * 7):
        day = START + dt.timedelta(days=k)
        if day.weekday() >= 5 or day in closed:
            continue
        boost = after_closed if day - dt.timedelta(days=1) in closed else 1.0
        mean = level * FACTORS[day.weekday()] * boost * SHAPE / SHAPE.sum()
        rows += [(day, slot, "counter", "regular", c) for slot, c in zip(SLOTS, rng.poisson(mean))]
    return pd.DataFrame(rows, columns=["date", "slot_start", "role", "tier", "count"])


def _week(monday: dt.date, closed=()) -> tuple[list[dt.date], dict]:
    dates = [monday + dt.timedelta(days=k) for k in range(5)]
    return dates, {d: ([] if d in closed else SLOTS) for d in dates}


def _daily(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("date")["mean"].sum()


def test_daylevel_is_a_model_by_name():
    assert "daylevel" in MODEL_NAMES and isinstance(make_model("daylevel"), DayLevel)


def test_recovers_a_known_weekday_pattern_and_level():
    counts = weekday_counts(weeks=16, seed=1, level=3000.0)  # ~80 a slot: the shares' noise well under 8%
    model = DayLevel().fit(counts)
    season = model.series[("counter", "regular")].season[:5]
    np.testing.assert_allclose(season / season.mean(), FACTORS / FACTORS.mean(), rtol=0.04)
    dates, slots = _week(START + dt.timedelta(weeks=16))
    daily = _daily(model.predict(dates, slots))
    np.testing.assert_allclose(daily.to_numpy(), 3000.0 * FACTORS, rtol=0.04)
    frame = model.predict(dates, slots)
    shares = frame[frame["date"] == dates[0]]["mean"].to_numpy()
    np.testing.assert_allclose(shares / shares.sum(), SHAPE / SHAPE.sum(), rtol=0.08)


def test_closed_days_get_nothing_and_the_day_after_one_is_forecast_busier():
    """Three closed Mondays in the history, each Tuesday after one 30% busier: the model learns the effect and applies
    it to the Tuesday after a Monday the branch closes (no open slots), and to nothing else."""
    closed = {START + dt.timedelta(weeks=w) for w in (5, 9, 13)}
    counts = weekday_counts(weeks=16, seed=2, closed=closed, after_closed=1.3)
    model = DayLevel().fit(counts)
    assert model.series[("counter", "regular")].effect[0] > 1.15  # after_closed
    holiday = START + dt.timedelta(weeks=16)
    dates, slots = _week(holiday, closed={holiday})
    closed_week = model.predict(dates, slots)
    assert holiday not in set(closed_week["date"])
    normal = _daily(DayLevel().fit(counts).predict(*_week(holiday + dt.timedelta(weeks=1))))
    tuesday = holiday + dt.timedelta(days=1)
    assert _daily(closed_week)[tuesday] > 1.12 * normal[tuesday + dt.timedelta(weeks=1)]
    assert _daily(closed_week)[tuesday + dt.timedelta(days=1)] == pytest.approx(normal[tuesday + dt.timedelta(days=8)], rel=1e-9)


def test_a_holiday_after_the_forecast_week_comes_from_the_calendar():
    """The Friday before a closed Monday is flagged only when the model knows the Monday is a holiday:
    from ``holidays`` (or ``holiday_country``), since the forecast week does not contain it."""
    counts = weekday_counts(weeks=8, seed=3)
    friday = START + dt.timedelta(weeks=8, days=4)
    monday = friday + dt.timedelta(days=3)
    plain = DayLevel().fit(counts)
    plain.predict(*_week(friday - dt.timedelta(days=4)))
    listed = DayLevel(holidays=(monday,)).fit(counts)
    listed.predict(*_week(friday - dt.timedelta(days=4)))
    assert plain.flags([friday])[0, 1] == 0 and listed.flags([friday])[0, 1] == 1
    us = DayLevel(holiday_country="US").fit(counts)
    labor_day = dt.date(2026, 9, 7)
    us.predict(*_week(labor_day - dt.timedelta(days=7)))
    assert us.is_closed(labor_day) and us.flags([labor_day - dt.timedelta(days=3)])[0, 1] == 1


def test_fit_and_forecast_are_deterministic_and_ignore_row_order():
    counts = weekday_counts(weeks=10, seed=4)
    shuffled = counts.sample(frac=1.0, random_state=0)
    dates, slots = _week(START + dt.timedelta(weeks=10))
    a = DayLevel().fit(counts).predict(dates, slots)
    b = DayLevel().fit(counts).predict(dates, slots)
    c = DayLevel().fit(shuffled).predict(dates, slots)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(
        a.sort_values(["date", "slot_start"]).reset_index(drop=True), c.sort_values(["date", "slot_start"]).reset_index(drop=True)
    )
