"""Forecasting models: known-rate recovery, interval coverage, exact seasonal naive."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from staffline.forecasting.models import (
    MODELS,
    OUT_COLUMNS,
    PoissonRegression,
    SeasonalNaive,
    TopDown,
    WeekdayProfile,
    _Calendar,
    count_quantiles,
    make_model,
    pearson_alpha,
)

START = dt.date(2026, 1, 5)  # a Monday
WEEKDAY_FACTOR = (1.15, 1.0, 0.95, 0.95, 1.10, 0.70)  # Mon..Sat, Sunday closed
PEAK = {("counter", "regular"): 9.0, ("counter", "vip"): 1.0, ("lobby", "regular"): 4.0, ("lobby", "vip"): 0.5}
TREND_PER_WEEK = 0.01  # log-rate per week
MONTH_END_BUMP = 1.3  # last 2 business days and first business day of a month
HOLIDAYS = {dt.date(2026, 2, 18), dt.date(2026, 4, 6)}  # a Wednesday and a Monday, closed


def day_slots(day: dt.date) -> list[str]:
    """Open slots: Mon-Fri 09:00-17:00, Sat 09:30-16:00, Sun and holidays closed."""
    if day.weekday() == 6 or day in HOLIDAYS:
        return []
    start, end = (9 * 60, 17 * 60) if day.weekday() < 5 else (9 * 60 + 30, 16 * 60)
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(start, end, 15)]


def _shape(slot: str) -> float:
    h = int(slot[:2]) + int(slot[3:]) / 60 + 0.125
    peaks = sum(math.exp(-0.5 * ((h - c) / 0.67) ** 2) for c in (10.5, 15.5))
    return 0.35 + 0.65 * min(peaks, 1.0)


def true_rates(days: list[dt.date], with_trend: bool = True, with_month_end: bool = True) -> pd.DataFrame:
    """The known rate of every open (date, slot, role, tier)."""
    cal = _Calendar([d for d in pd.date_range(START - dt.timedelta(days=7), days[-1] + dt.timedelta(days=40)).date if day_slots(d)])
    rows = []
    for day in days:
        if not day_slots(day):
            continue
        weeks = (day - START).days / 7
        me = cal.features(day)
        bump = MONTH_END_BUMP if with_month_end and (me[0] or me[1]) else 1.0
        level = WEEKDAY_FACTOR[day.weekday()] * bump * (math.exp(TREND_PER_WEEK * weeks) if with_trend else 1.0)
        for slot in day_slots(day):
            for (role, tier), peak in PEAK.items():
                rows.append((day, slot, role, tier, peak * level * _shape(slot)))
    return pd.DataFrame(rows, columns=["date", "slot_start", "role", "tier", "rate"])


def synthetic_counts(weeks: int = 26, seed: int = 7, **kw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counts, rates) of ``weeks`` weeks of Poisson counts from :func:`true_rates`."""
    days = [START + dt.timedelta(days=k) for k in range(7 * weeks)]
    rates = true_rates(days, **kw)
    rng = np.random.default_rng(seed)
    counts = rates.assign(count=rng.poisson(rates["rate"].to_numpy())).drop(columns="rate")
    return counts, rates


def next_days(counts: pd.DataFrame, n: int = 7) -> tuple[list[dt.date], dict[dt.date, list[str]]]:
    first = max(counts["date"]) + dt.timedelta(days=1)
    dates = [first + dt.timedelta(days=k) for k in range(n)]
    return dates, {d: day_slots(d) for d in dates}


# --------------------------------------------------------------------------
# Count quantiles and dispersion
# --------------------------------------------------------------------------


def _brute_quantile(mu: float, alpha: float, p: float) -> int:
    cdf, k = 0.0, 0
    while True:
        if alpha == 0:
            logp = -mu + k * math.log(mu) - math.lgamma(k + 1) if mu > 0 else (0.0 if k == 0 else -math.inf)
        else:
            r = 1 / alpha
            logp = math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * math.log(r / (r + mu)) + k * math.log(mu / (r + mu))
        cdf += math.exp(logp)
        if cdf >= p - 1e-12:
            return k
        k += 1


@pytest.mark.parametrize("alpha", [0.0, 0.05, 0.5, 2.0])
def test_count_quantiles_match_brute_force(alpha):
    mus = np.array([0.0, 0.03, 0.4, 1.0, 3.7, 9.0, 15.0, 60.0])
    probs = [0.025, 0.1, 0.5, 0.9, 0.975]
    got = count_quantiles(mus, alpha, probs)
    for i, mu in enumerate(mus):
        for j, p in enumerate(probs):
            want = 0 if mu == 0 else _brute_quantile(mu, alpha, p)
            assert got[i, j] == want, (mu, alpha, p)


def test_pearson_alpha_recovers_dispersion():
    rng = np.random.default_rng(3)
    mu = rng.uniform(1, 12, 20000)
    alpha = 0.3
    y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
    assert abs(pearson_alpha(y, mu, len(y)) - alpha) < 0.03
    assert pearson_alpha(rng.poisson(mu), mu, len(y)) < 0.01


# --------------------------------------------------------------------------
# Interface
# --------------------------------------------------------------------------


def test_registry_names_and_interval_methods():
    assert set(MODELS) == {"naive", "profile", "poisson", "topdown"}
    for name, cls in MODELS.items():
        assert cls.name == name
        assert isinstance(cls.interval_method, str) and cls.interval_method
        assert isinstance(make_model(name), cls)
    with pytest.raises(KeyError):
        make_model("prophet")


@pytest.fixture(scope="module")
def synth():
    return synthetic_counts(weeks=20)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_predict_frame_contract(name, synth):
    counts, _ = synth
    dates, slots = next_days(counts, 7)
    slots[dates[2]] = []  # a closed day in the request: no rows
    pred = make_model(name).fit(counts).predict(dates, slots)
    assert list(pred.columns) == OUT_COLUMNS
    assert dates[2] not in set(pred["date"])
    assert dates[6].weekday() == 6 or len(pred)  # Sunday closed
    expected = sum(len(s) for s in slots.values()) * len(PEAK)
    assert len(pred) == expected
    assert isinstance(pred["date"].iloc[0], dt.date)
    for col in ("lo80", "hi80", "lo95", "hi95"):
        assert np.all(pred[col] == np.round(pred[col])), col
    assert (pred["mean"] >= 0).all()
    assert (pred["lo95"] <= pred["lo80"]).all() and (pred["lo80"] <= pred["hi80"]).all() and (pred["hi80"] <= pred["hi95"]).all()
    assert (pred["lo95"] <= pred["mean"] + 1).all() and (pred["mean"] <= pred["hi95"] + 1).all()


def test_predict_needs_fit():
    with pytest.raises(RuntimeError):
        WeekdayProfile().predict([START], {START: day_slots(START)})


# --------------------------------------------------------------------------
# Seasonal naive
# --------------------------------------------------------------------------


def test_seasonal_naive_is_last_week_exactly(synth):
    counts, _ = synth
    dates, slots = next_days(counts, 7)
    pred = SeasonalNaive().fit(counts).predict(dates, slots)
    lag = counts.assign(date=counts["date"] + dt.timedelta(days=7))
    joined = pred.merge(lag, on=["date", "slot_start", "role", "tier"], how="left")
    assert joined["count"].notna().all()
    np.testing.assert_array_equal(joined["mean"].to_numpy(), joined["count"].to_numpy(dtype=float))


def test_seasonal_naive_skips_a_closed_last_week():
    counts, _ = synthetic_counts(weeks=8)
    train = counts[counts["date"] < dt.date(2026, 2, 23)]  # the Wednesday 2026-02-18 was closed
    day = dt.date(2026, 2, 25)  # a Wednesday: last week closed -> two weeks ago (2026-02-11)
    pred = SeasonalNaive().fit(train).predict([day], {day: day_slots(day)})
    two_weeks = counts[counts["date"] == dt.date(2026, 2, 11)]
    joined = pred.merge(two_weeks, on=["slot_start", "role", "tier"])
    assert len(joined) == len(pred) > 0
    np.testing.assert_array_equal(joined["mean"].to_numpy(), joined["count"].to_numpy(dtype=float))
    # the horizon beyond a week still uses the latest observed same weekday
    far = dt.date(2026, 3, 4)
    pred2 = SeasonalNaive().fit(train).predict([far], {far: day_slots(far)})
    np.testing.assert_array_equal(pred2["mean"].to_numpy(), pred["mean"].to_numpy())


# --------------------------------------------------------------------------
# Poisson regression recovers known rates
# --------------------------------------------------------------------------


def test_poisson_regression_recovers_rates():
    counts, _ = synthetic_counts(weeks=26, seed=11)
    model = PoissonRegression().fit(counts)
    dates, slots = next_days(counts, 14)
    pred = model.predict(dates, slots)
    truth = true_rates(dates)
    joined = pred.merge(truth, on=["date", "slot_start", "role", "tier"])
    assert len(joined) == len(pred)
    rel = joined["mean"] / joined["rate"] - 1
    assert np.average(np.abs(rel), weights=joined["rate"]) < 0.06  # arrival-weighted
    for (role, tier), part in rel.groupby([joined["role"], joined["tier"]]):
        # sampling error grows as the rate shrinks (VIP rates are 0.2-1 per slot)
        limit = 0.08 if tier == "regular" else 0.25
        assert part.abs().mean() < limit, (role, tier, part.abs().mean())
        assert abs(part.mean()) < limit / 2, (role, tier, part.mean())
    coef = model.coefficients("counter", "regular")
    assert abs(coef["trend"] - TREND_PER_WEEK) < 0.003
    assert abs(coef["month_end"] - math.log(MONTH_END_BUMP)) < 0.06
    assert abs(coef["month_start"] - math.log(MONTH_END_BUMP)) < 0.08
    assert model.alpha_[("counter", "regular")] < 0.02  # Poisson data: no over-dispersion found


def test_poisson_regression_slot_interaction_and_zero_series():
    counts, _ = synthetic_counts(weeks=12, seed=5)
    counts.loc[(counts["role"] == "lobby") & (counts["tier"] == "vip"), "count"] = 0
    dates, slots = next_days(counts, 7)
    pred = PoissonRegression(interaction="slot").fit(counts).predict(dates, slots)
    vip = pred[(pred["role"] == "lobby") & (pred["tier"] == "vip")]
    assert (vip["mean"] == 0).all() and (vip["hi95"] == 0).all()
    truth = true_rates(dates).merge(pred, on=["date", "slot_start", "role", "tier"])
    part = truth[(truth["role"] == "counter") & (truth["tier"] == "regular")]
    assert np.abs(part["mean"] / part["rate"] - 1).mean() < 0.12


def test_calendar_features_month_end_and_holidays():
    dates = [d for d in pd.date_range("2026-01-05", "2026-04-30").date if day_slots(d)]
    cal = _Calendar(dates)
    assert cal.is_holiday(dt.date(2026, 2, 18)) and not cal.is_holiday(dt.date(2026, 2, 22))  # Sunday is regular
    # February 2026: last business days Fri 27 and Sat 28; first business day Mon 2
    assert cal.features(dt.date(2026, 2, 27))[0] == 1 and cal.features(dt.date(2026, 2, 28))[0] == 1
    assert cal.features(dt.date(2026, 2, 26))[0] == 0
    assert cal.features(dt.date(2026, 2, 2))[1] == 1 and cal.features(dt.date(2026, 2, 3))[1] == 0
    # holiday Wed 18 Feb: Tue 17 is pre-holiday, Thu 19 post-holiday
    assert cal.features(dt.date(2026, 2, 17))[2:] == (1.0, 0.0)
    assert cal.features(dt.date(2026, 2, 19))[2:] == (0.0, 1.0)
    # holiday Mon 6 Apr: the Saturday before is pre-holiday (Sunday is a regular closure)
    assert cal.features(dt.date(2026, 4, 4))[2] == 1.0
    # a closure announced in the request makes its neighbours holiday-adjacent
    cal2 = cal.with_request({dt.date(2026, 5, 1): []})
    assert cal2.features(dt.date(2026, 4, 30))[2] == 1.0 and cal2.features(dt.date(2026, 5, 2))[3] == 1.0


# --------------------------------------------------------------------------
# Interval coverage on simulated Poisson data
# --------------------------------------------------------------------------


def _coverage(model, counts, weeks_out: int = 4, seed: int = 99):
    """Fit on the counts, predict the next weeks, simulate them from the known rates."""
    dates, slots = next_days(counts, 7 * weeks_out)
    pred = model.fit(counts).predict(dates, slots)
    truth = true_rates(dates).merge(pred, on=["date", "slot_start", "role", "tier"])
    rng = np.random.default_rng(seed)
    cov80, cov95 = [], []
    for _ in range(5):
        y = rng.poisson(truth["rate"].to_numpy())
        cov80.append(np.mean((y >= truth["lo80"]) & (y <= truth["hi80"])))
        cov95.append(np.mean((y >= truth["lo95"]) & (y <= truth["hi95"])))
    return float(np.mean(cov80)), float(np.mean(cov95))


@pytest.mark.parametrize(
    "model",
    [PoissonRegression(), WeekdayProfile(), TopDown()],
    ids=["poisson", "profile", "topdown"],
)
def test_intervals_cover_about_nominal(model):
    counts, _ = synthetic_counts(weeks=20, seed=21, with_trend=False, with_month_end=False)
    c80, c95 = _coverage(model, counts)
    assert 0.90 <= c95 <= 0.99, c95
    assert 0.75 <= c80 <= 0.93, c80


def test_poisson_intervals_cover_with_trend_and_month_end():
    counts, _ = synthetic_counts(weeks=26, seed=8)
    c80, c95 = _coverage(PoissonRegression(), counts)
    assert 0.90 <= c95 <= 0.99, c95
    assert 0.75 <= c80 <= 0.93, c80


def test_seasonal_naive_intervals_are_wide_but_sane(synth):
    counts, _ = synth
    c80, c95 = _coverage(SeasonalNaive(), counts, weeks_out=1)
    assert 0.7 <= c80 <= 0.97 and 0.85 <= c95 <= 1.0
