"""Forecast models on counts with known rates, the interval quantiles, and backtests."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from staffline.cli import main
from staffline.forecasting import MODELS, backtest, choose_model, slot_counts
from staffline.forecasting.estimators import calendar_features
from staffline.forecasting.glm import irls_poisson
from staffline.forecasting.intervals import count_quantiles
from staffline.io import load_instance

SLOTS = [f"{9 + k // 4:02d}:{15 * (k % 4):02d}" for k in range(32)]
START = dt.date(2026, 3, 2)  # a Monday


def known_rates(weeks=12, trend=0.02, seed=0):
    """Counts ~ Poisson(rate) with weekday x slot shape, weekly trend; returns (counts, rate function)."""
    rng = np.random.default_rng(seed)
    shape = 2.0 + 3.0 * np.exp(-((np.arange(32) - 5) ** 2) / 8) + 2.5 * np.exp(-((np.arange(32) - 25) ** 2) / 8)
    day_level = np.array([1.2, 1.0, 1.0, 1.0, 1.1, 0.7, 0.0])

    def rate(day: dt.date, s: int) -> float:
        return shape[s] * day_level[day.weekday()] * math.exp(trend * (day - START).days / 7)

    rows = []
    for k in range(weeks * 7):
        day = START + dt.timedelta(days=k)
        if day.weekday() == 6:
            continue
        for s, slot in enumerate(SLOTS):
            rows.append((day, slot, "counter", "regular", rng.poisson(rate(day, s))))
    return pd.DataFrame(rows, columns=["date", "slot_start", "role", "tier", "count"]), rate


def test_quantiles_match_the_exact_cdf():
    for mean, phi in [(0.3, 1.0), (2.5, 1.0), (9.0, 1.0), (2.5, 1.8), (12.0, 3.0)]:
        got = count_quantiles(np.array([mean]), phi, [0.025, 0.5, 0.975])
        if phi == 1.0:
            pmf = [math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1)) for k in range(200)]
        else:
            r = mean / (phi - 1)
            q = mean / (r + mean)
            pmf = [
                math.exp(math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * math.log1p(-q) + k * math.log(q))
                for k in range(400)
            ]
        cdf = np.cumsum(pmf)
        for p, value in zip([0.025, 0.5, 0.975], got):
            assert value[0] == int(np.argmax(cdf >= p)), (mean, phi, p)


def test_irls_recovers_poisson_coefficients():
    rng = np.random.default_rng(1)
    X = np.column_stack([np.ones(20000), rng.normal(size=20000), rng.integers(0, 2, 20000)])
    beta = np.array([0.5, 0.3, -0.4])
    y = rng.poisson(np.exp(X @ beta))
    assert np.allclose(irls_poisson(X, y, ridge=0.0), beta, atol=0.03)


def test_poisson_regression_recovers_rates_and_trend():
    counts, rate = known_rates(weeks=16, trend=0.03)
    week = [START + dt.timedelta(weeks=16, days=k) for k in range(6)]
    pred = MODELS["poisson"]().fit(counts).predict(week, {d: SLOTS for d in week})
    truth = np.array([rate(d, SLOTS.index(s)) for d, s in zip(pred["date"], pred["slot_start"])])
    assert abs(pred["mean"].sum() / truth.sum() - 1) < 0.04  # the trend is extrapolated, not averaged away
    assert np.mean(np.abs(pred["mean"] - truth) / truth) < 0.15
    flat = MODELS["profile"]().fit(counts).predict(week, {d: SLOTS for d in week})
    assert flat["mean"].sum() < pred["mean"].sum()  # a profile lags a trend


def test_seasonal_naive_repeats_the_latest_same_weekday():
    counts, _ = known_rates(weeks=3)
    monday = START + dt.timedelta(weeks=3)
    pred = MODELS["naive"]().fit(counts).predict([monday], {monday: SLOTS})
    last_monday = counts[counts["date"] == START + dt.timedelta(weeks=2)]
    assert pred["mean"].tolist() == last_monday["count"].astype(float).tolist()


@pytest.mark.parametrize("name", ["profile", "poisson", "topdown"])
def test_intervals_cover_about_their_nominal_share(name):
    counts, _ = known_rates(weeks=20, trend=0.0, seed=3)
    train, test = counts[counts["date"] < START + dt.timedelta(weeks=16)], counts[counts["date"] >= START + dt.timedelta(weeks=16)]
    dates = sorted(test["date"].unique())
    pred = MODELS[name]().fit(train).predict(dates, {d: SLOTS for d in dates}).merge(test, on=["date", "slot_start", "role", "tier"])
    cover95 = ((pred["count"] >= pred["lo95"]) & (pred["count"] <= pred["hi95"])).mean()
    cover80 = ((pred["count"] >= pred["lo80"]) & (pred["count"] <= pred["hi80"])).mean()
    assert 0.92 <= cover95 <= 0.995 and 0.78 <= cover80 <= 0.93, (cover80, cover95)


def test_topdown_is_its_own_model():
    counts, _ = known_rates(weeks=12, trend=0.03)
    monday = START + dt.timedelta(weeks=12)
    a = MODELS["topdown"]().fit(counts).predict([monday], {monday: SLOTS})["mean"]
    b = MODELS["profile"]().fit(counts).predict([monday], {monday: SLOTS})["mean"]
    assert not np.allclose(a, b)


def test_month_end_and_holiday_adjacent_flags():
    dates = pd.Series([dt.date(2026, 4, 29), dt.date(2026, 4, 30), dt.date(2026, 5, 1), dt.date(2026, 5, 4), dt.date(2026, 4, 22)])
    flags = calendar_features(dates, lambda day: day == dt.date(2026, 5, 1))  # Labour Day closed
    assert flags["month_end"].tolist() == [1.0, 1.0, 1.0, 0.0, 0.0]
    assert flags["holiday_adjacent"].tolist() == [0.0, 1.0, 0.0, 0.0, 0.0]  # 4 May: the day before is a Sunday


@pytest.fixture(scope="module")
def jiangdong():
    return load_instance("instances/jiangdong")


def test_backtest_every_model_beats_seasonal_naive_on_the_demo_branch(jiangdong):
    table = backtest(slot_counts(jiangdong), list(MODELS), folds=3)
    overall = table[table["role"] == "all"].set_index("model")
    assert overall.loc["naive", "mase"] == 1.0
    for name in ("profile", "poisson", "topdown"):
        assert overall.loc[name, "wape"] < overall.loc["naive", "wape"]
    best, wape = choose_model(table)
    assert wape == overall["wape"].min() and overall.loc[best, "wape"] == wape


def test_forecast_cli_auto_picks_the_backtest_winner(tmp_path):
    """auto's candidates are the backtest's own scores on the same folds, and it takes the lowest."""
    args = ["forecast", "instances/jiangdong", "--model", "auto", "--folds", "3", "--backtest", "--out", str(tmp_path), "--json"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["requested"] == "auto" and payload["model"] == min(payload["candidates"], key=payload["candidates"].get)
    assert payload["backtest_wape"] == min(payload["candidates"].values()) and payload["backtest_folds"] == 3
    table = pd.read_csv(tmp_path / "backtest.csv")
    overall = table[table["role"] == "all"].set_index("model")["wape"]
    for name in ("naive", "profile", "poisson", "topdown"):  # the single models; the ensemble is scored prequentially
        assert payload["candidates"][name] == pytest.approx(overall[name], abs=5e-4)
    assert payload["busiest_hours"][:2] == ["10:00", "15:00"] or set(payload["busiest_hours"][:2]) == {"10:00", "15:00"}
    forecast = pd.read_csv(tmp_path / "forecast.csv")
    assert list(forecast.columns) == ["date", "slot_start", "role", "tier", "mean", "lo80", "hi80", "lo95", "hi95", "appointments"]
    assert (forecast["lo95"] <= forecast["mean"]).all() and (forecast["mean"] <= forecast["hi95"]).all()


# ----- properties every model must have -------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _counts_from(matrix: np.ndarray, role="counter") -> pd.DataFrame:
    rows = [
        (START + dt.timedelta(days=7 * (d // 5) + d % 5), SLOTS[s], role, "regular", int(matrix[d, s]))
        for d in range(matrix.shape[0])
        for s in range(matrix.shape[1])
    ]
    return pd.DataFrame(rows, columns=["date", "slot_start", "role", "tier", "count"])


histories = st.integers(0, 2**31 - 1).map(
    lambda seed: np.random.default_rng(seed).poisson(np.random.default_rng(seed + 1).uniform(0, 8, size=(1, 4)), size=(20, 4))
)


@settings(max_examples=15, deadline=None)
@given(matrix=histories, name=st.sampled_from(sorted(MODELS)), k=st.integers(2, 5))
def test_forecasts_are_nonnegative_nested_and_scale_with_the_history(matrix, name, k):
    counts = _counts_from(matrix)
    monday = START + dt.timedelta(weeks=4)
    week = [monday + dt.timedelta(days=j) for j in range(5)]
    slots = {d: SLOTS[:4] for d in week}
    base = MODELS[name]().fit(counts).predict(week, slots)
    assert (base["mean"] >= 0).all() and (base["lo95"] >= 0).all()
    assert ((base["lo95"] <= base["lo80"]) & (base["hi80"] <= base["hi95"])).all()
    scaled = MODELS[name]().fit(counts.assign(count=counts["count"] * k)).predict(week, slots)
    np.testing.assert_allclose(scaled["mean"], k * base["mean"], rtol=0.02, atol=0.02 * k)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_role_that_never_had_customers_forecasts_zero(name):
    busy = _counts_from(np.random.default_rng(0).poisson(5, size=(20, 4)))
    idle = _counts_from(np.zeros((20, 4)), role="advisory")
    monday = START + dt.timedelta(weeks=4)
    pred = MODELS[name]().fit(pd.concat([busy, idle])).predict([monday], {monday: SLOTS[:4]})
    quiet = pred[pred["role"] == "advisory"]
    assert len(quiet) == 4 and (quiet[["mean", "lo80", "hi80", "lo95", "hi95"]].to_numpy() == 0).all()


def test_jiangdong_weekday_peaks_at_ten_and_fifteen(jiangdong):
    from staffline.forecasting import forecast_counts
    from staffline.pipeline import default_week

    week = default_week(jiangdong)
    for model in ("profile", "poisson"):
        frame = forecast_counts(jiangdong, week, model)
        tuesday = frame[frame["date"] == week + dt.timedelta(days=1)]
        hourly = tuesday.assign(hour=tuesday["slot_start"].str[:2]).groupby("hour")["mean"].sum()
        assert set(hourly.sort_values(ascending=False).index[:2]) == {"10", "15"}, (model, hourly.round(1).to_dict())


def test_the_latest_complete_week_is_a_fold_for_weekday_only_and_saturday_series():
    import datetime as dt

    from staffline.forecasting.evaluation import fold_origins

    def counts(days):
        return pd.DataFrame({"date": days, "slot_start": "09:00", "role": "r", "tier": "regular", "count": 1})

    weekdays = [dt.date(2003, 9, 1) + dt.timedelta(days=k) for k in range(19) if (dt.date(2003, 9, 1) + dt.timedelta(days=k)).weekday() < 5]
    assert weekdays[-1] == dt.date(2003, 9, 19)  # a Friday: that week is complete
    assert fold_origins(counts(weekdays), 2) == [dt.date(2003, 9, 8), dt.date(2003, 9, 15)]
    assert fold_origins(counts(weekdays[:-1]), 2) == [dt.date(2003, 9, 1), dt.date(2003, 9, 8)]  # ends Thursday
    with_saturdays = [
        dt.date(2026, 11, 2) + dt.timedelta(days=k) for k in range(19) if (dt.date(2026, 11, 2) + dt.timedelta(days=k)).weekday() < 6
    ]
    assert with_saturdays[-1].weekday() == 4  # ends on a Friday although Saturdays are open: incomplete
    assert fold_origins(counts(with_saturdays), 1) == [dt.date(2026, 11, 9)]


def test_auto_takes_the_profile_below_three_scored_weeks(jiangdong):
    """Two weeks cannot tell the models apart: auto reports their scores but keeps the profile."""
    from staffline.forecasting import fit_forecast
    from staffline.forecasting.auto import MIN_FOLDS
    from staffline.pipeline import default_week

    _, info = fit_forecast(jiangdong, default_week(jiangdong), "auto", folds=MIN_FOLDS - 1)
    assert info.model == "profile" and info.backtest_folds == MIN_FOLDS - 1
    assert set(info.candidates) >= {"naive", "profile", "poisson", "ensemble"}
    assert info.backtest_wape == info.candidates["profile"]
