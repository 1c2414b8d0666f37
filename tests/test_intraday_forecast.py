"""The within-day forecast update recovers a known level shift and keeps honest intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffline.forecasting.intraday import level_posterior, prior_shape, update_forecast


def _day(level: float, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A two-role day-ahead forecast and a day whose counter arrivals run at ``level`` times it (lobby as forecast)."""
    rng = np.random.default_rng(seed)
    slots = [f"{h:02d}:{m:02d}" for h in range(8, 18) for m in range(0, 60, 5)]
    shape = 1.0 + 0.5 * np.sin(np.linspace(0, np.pi, len(slots)))
    rows = []
    for role, scale, lv in (("counter", 6.0, level), ("lobby", 3.0, 1.0)):
        mean = scale * shape
        sd = np.sqrt(mean)
        for s, m, d in zip(slots, mean, sd, strict=True):
            rows.append(
                {
                    "slot_start": s,
                    "role": role,
                    "tier": "regular",
                    "mean": m,
                    "lo80": m - 1.28 * d,
                    "hi80": m + 1.28 * d,
                    "lo95": m - 1.96 * d,
                    "hi95": m + 1.96 * d,
                    "count": rng.poisson(lv * m),
                }
            )
    frame = pd.DataFrame(rows)
    return frame.drop(columns="count"), frame[["slot_start", "role", "count"]]


@pytest.mark.parametrize("method", ["gamma", "ratio"])
def test_update_recovers_a_level_shift(method):
    forecast, actual = _day(1.3, seed=1)
    observed = actual[actual["slot_start"] < "11:00"]
    rest = update_forecast(forecast, observed, "11:00", method=method, shape=20.0, weight=0.9)
    assert rest["slot_start"].min() == "11:00"
    counter = rest[rest["role"] == "counter"]
    lobby = rest[rest["role"] == "lobby"]
    assert 1.18 < counter["level"].iloc[-1] < 1.42  # the +30% is found (the day level, where the recent one has faded)
    assert 0.85 < lobby["level"].iloc[-1] < 1.15  # the role on forecast stays put
    assert 0.7 < lobby["level"].iloc[0] < 1.3  # its recent level is noisier (a few dozen tickets) but not far off
    truth = actual.merge(rest, on=["slot_start", "role"])
    day_ahead = forecast.merge(actual, on=["slot_start", "role"])
    day_ahead = day_ahead[day_ahead["slot_start"] >= "11:00"]
    err_updated = np.abs(truth["count"] - truth["mean"]).sum()
    err_day_ahead = np.abs(day_ahead["count"] - day_ahead["mean"]).sum()
    assert err_updated < 0.9 * err_day_ahead


def test_gamma_shrinks_with_little_evidence_and_widens_intervals():
    little, _ = level_posterior(np.array([4.0]), np.array([2.0]), np.array([5.0]), shape=50.0)
    lots, _ = level_posterior(np.array([400.0]), np.array([200.0]), np.array([5.0]), shape=50.0)
    assert 1.0 < little < 1.1 and lots > 1.7  # the same 2x ratio moves the level by how much it rests on
    forecast, actual = _day(1.0)
    rest = update_forecast(forecast, actual[actual["slot_start"] < "09:00"], "09:00", shape=5.0)
    assert (rest["hi80"] - rest["lo80"] >= (forecast["hi80"] - forecast["lo80"]).min() - 1).all()
    assert (rest["lo80"] <= rest["mean"]).all() and (rest["mean"] <= rest["hi80"]).all()


def test_half_life_weighs_recent_slots_more():
    # early slots on forecast, the last hour at double: a short half-life follows the recent hour
    got = np.array([10.0] * 12 + [20.0] * 12)
    exp = np.full(24, 10.0)
    ages = np.arange(24, 0, -1) * 5.0
    flat, _ = level_posterior(got, exp, ages, shape=50.0)
    recent, _ = level_posterior(got, exp, ages, shape=50.0, half_life=30.0)
    assert recent > flat


def test_a_recent_surge_lifts_the_next_hour_and_fades_into_the_day_level():
    # counter on forecast until 10:30, then half an hour at 1.5x: the day level hardly moves, the next slots do
    forecast, _ = _day(1.0)
    observed = forecast[forecast["slot_start"] < "11:00"][["slot_start", "role", "mean"]].rename(columns={"mean": "count"})
    late = (observed["role"] == "counter") & (observed["slot_start"] >= "10:30")
    observed.loc[late, "count"] *= 1.5
    rest = update_forecast(forecast, observed, "11:00", shape=30.0)
    counter = rest[rest["role"] == "counter"]["level"].to_numpy()
    assert counter[0] > 1.2 and counter[-1] < counter[0] - 0.08 and np.all(np.diff(counter) <= 1e-12)  # lifted now, fading later
    flat = update_forecast(forecast, observed, "11:00", shape=30.0, local_half_life=None)
    assert flat[flat["role"] == "counter"]["level"].iloc[0] < counter[0]  # one day level alone is slower to see it
    lobby = rest[rest["role"] == "lobby"]["level"].to_numpy()
    assert np.allclose(lobby, 1.0, atol=1e-9)  # the role on forecast: nothing to follow


def test_prior_shape_from_past_days():
    rng = np.random.default_rng(3)
    f = np.full(200, 2000.0)
    y = rng.poisson(f * rng.gamma(25.0, 1 / 25.0, size=200))
    assert 12 < prior_shape(y, f) < 50  # level variance 1/25 recovered roughly
    assert prior_shape([1, 2], [1, 2]) == pytest.approx(50.0)  # too few days: the default
