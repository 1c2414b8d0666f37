"""The ensemble and auto: members and choices made on the given history's rolling folds only."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffline.forecasting import MODEL_NAMES, MODELS, Auto, Ensemble, backtest, fit_forecast, forecast_counts, make_model, slot_counts
from staffline.forecasting.combination import FAMILIES, combine, prequential_means
from staffline.forecasting.fold_bank import FoldBank, Spec, lowest
from staffline.forecasting.folds import rolling_folds
from staffline.forecasting.intervals import add_intervals
from staffline.io import load_instance
from tests.forecasting.test_estimators import SLOTS, START, known_rates

VALUES = ["mean", "lo80", "hi80", "lo95", "hi95"]
CELL = ["date", "slot_start", "role", "tier"]


def _next_week(counts: pd.DataFrame) -> tuple[list[dt.date], dict]:
    last = max(pd.to_datetime(counts["date"]).dt.date)
    monday = last + dt.timedelta(days=7 - last.weekday())
    week = [monday + dt.timedelta(days=k) for k in range(6)]
    return week, {d: SLOTS for d in week}


def gamma_days(weeks: int, cv: float, seed: int, trend: float = 0.0, scale: float = 1.0) -> pd.DataFrame:
    """Counts ~ Poisson(scale x rate x G_day), G_day ~ Gamma(mean 1, coefficient of variation ``cv``): a day-level scatter."""
    counts, rate = known_rates(weeks=weeks, trend=trend, seed=seed)
    rng = np.random.default_rng(seed + 100)
    days = sorted(counts["date"].unique())
    level = dict(zip(days, rng.gamma(1 / cv**2, cv**2, len(days))))
    mean = np.array([scale * rate(d, SLOTS.index(s)) * level[d] for d, s in zip(counts["date"], counts["slot_start"])])
    return counts.assign(count=rng.poisson(mean))


# ----- auto -----------------------------------------------------------------------------------


def test_auto_picks_the_model_the_folds_make_clearly_best():
    """A strong weekly trend: only the Poisson regression extrapolates it, so it wins every fold and auto takes it."""
    counts = gamma_days(weeks=20, cv=0.0001, seed=1, trend=0.06, scale=30.0)
    auto = Auto().fit(counts)
    assert auto.chosen.name == "poisson" and auto.describe() == "poisson"
    assert auto.scores["poisson"] < 0.7 * min(w for name, w in auto.scores.items() if name != "poisson")
    assert auto.backtest_wape == auto.scores["poisson"] == min(auto.scores.values())
    week, slots = _next_week(counts)
    pd.testing.assert_frame_equal(auto.predict(week, slots), MODELS["poisson"]().fit(counts).predict(week, slots))


def test_auto_scores_are_the_backtest_of_the_given_history_only():
    """auto's single-model scores are the public backtest's WAPEs on the same folds of the same data, and its
    folds all end inside the history it was given. (That the benchmark's auto row sees each fold's training
    data only is tested in test_forecast_real_bench.)"""
    counts, _ = known_rates(weeks=14, trend=0.0, seed=2)
    auto = Auto(folds=4).fit(counts)
    table = backtest(counts, ["naive", "profile", "poisson", "topdown"], folds=4)
    overall = table[table["role"] == "all"].set_index("model")["wape"]
    for name in ("naive", "profile", "poisson", "topdown"):
        assert auto.scores[name] == pytest.approx(overall[name], abs=5e-5), name
    assert auto.folds_used == 4
    last = max(counts["date"])
    assert all(fold.test["date"].max() <= last for fold in rolling_folds(counts, 4))


def test_auto_without_any_fold_falls_back_to_the_profile_and_says_it_was_not_backtested():
    counts, _ = known_rates(weeks=1, seed=3)  # one week: no fold has training days before it
    auto = Auto().fit(counts)
    assert auto.folds_used == 0 and auto.backtest_wape is None and auto.scores == {}
    assert auto.chosen.name == "profile"


def test_lowest_breaks_ties_by_order_not_by_float_noise():
    assert lowest({"b": 0.1 + 1e-15, "a": 0.1}) == "b"
    assert lowest({"b": 0.2, "a": 0.1}) == "a"


# ----- ensemble --------------------------------------------------------------------------------


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), cv=st.sampled_from([0.0001, 0.15]))
def test_ensemble_mean_is_the_mean_of_its_members_refitted_on_all_the_data(seed, cv):
    counts = gamma_days(weeks=10, cv=cv, seed=seed % 1000)
    ens = Ensemble(folds=4).fit(counts)
    assert [spec.family for spec in ens.members] == list(FAMILIES)
    week, slots = _next_week(counts)
    pred = ens.predict(week, slots)
    members = [spec.make().fit(counts).predict(week, slots) for spec in ens.members]
    for member in members:
        assert member[CELL].equals(pred[CELL])
    np.testing.assert_allclose(pred["mean"], np.mean([m["mean"] for m in members], axis=0), rtol=1e-12)
    assert (
        (pred["lo95"] <= pred["lo80"]) & (pred["lo80"] <= pred["mean"]) & (pred["mean"] <= pred["hi80"]) & (pred["hi80"] <= pred["hi95"])
    ).all()


def test_ensemble_members_are_each_familys_best_on_the_folds():
    counts = gamma_days(weeks=14, cv=0.1, seed=4)
    bank = FoldBank(counts, 4, [spec for specs in FAMILIES.values() for spec in specs])
    ens = Ensemble(folds=4).fit(counts, bank)
    for spec, (family, specs) in zip(ens.members, FAMILIES.items()):
        assert spec.family == family
        assert bank.wape(spec) == min(bank.wape(s) for s in specs)
    # its own backtest is prequential: fold 0 combines the defaults, later folds the best on earlier folds only
    means = prequential_means(bank)
    np.testing.assert_allclose(means[0], combine([bank.mean[specs[0]][0] for specs in FAMILIES.values()]))
    assert ens.backtest_wape == pytest.approx(bank.wape_of(means))


def test_ensemble_and_auto_are_deterministic_and_ignore_row_order():
    counts = gamma_days(weeks=12, cv=0.1, seed=5)
    shuffled = counts.sample(frac=1.0, random_state=0)
    week, slots = _next_week(counts)
    for name in ("ensemble", "auto"):
        a = make_model(name, folds=3).fit(counts).predict(week, slots)
        b = make_model(name, folds=3).fit(counts).predict(week, slots)
        c = make_model(name, folds=3).fit(shuffled).predict(week, slots).sort_values(CELL).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
        np.testing.assert_allclose(a.sort_values(CELL)[VALUES].to_numpy(), c[VALUES].to_numpy(), rtol=1e-9)


def test_ensemble_intervals_widen_for_day_level_scatter_and_cover_about_nominal():
    """Rates scattered 15% from day to day: Poisson intervals around the mean under-cover; the ensemble's and a single
    model's residual-calibrated ones do not."""
    counts = gamma_days(weeks=30, cv=0.15, seed=6, scale=10.0)  # 20-70 a slot: the scatter is not lost in the discreteness
    cut = START + dt.timedelta(weeks=22)
    train, test = counts[counts["date"] < cut], counts[counts["date"] >= cut]
    dates = sorted(test["date"].unique())
    cover = {}
    for name in ("ensemble", "profile"):
        model = make_model(name, **({"folds": 8} if name == "ensemble" else {})).fit(train)
        pred = model.predict(dates, {d: SLOTS for d in dates}).merge(test, on=CELL)
        cover[name] = [((pred["count"] >= pred[f"lo{v}"]) & (pred["count"] <= pred[f"hi{v}"])).mean() for v in ("80", "95")]
        if name == "profile":
            raw = add_intervals(pred[CELL + ["mean", "count"]].copy())  # Poisson quantiles: the rate taken as known
            cover["poisson quantiles"] = [((raw["count"] >= raw[f"lo{v}"]) & (raw["count"] <= raw[f"hi{v}"])).mean() for v in ("80", "95")]
    for name in ("ensemble", "profile"):
        assert 0.72 <= cover[name][0] <= 0.88 and 0.90 <= cover[name][1] <= 0.99, cover
    assert cover["poisson quantiles"][0] < cover["profile"][0] - 0.05, cover
    inv_r = Ensemble(folds=8).fit(train).calibration.inverse_size[("counter", "regular")]
    assert 0.5 * 0.15**2 <= inv_r <= 3 * 0.15**2  # the day-level variance of the rate, plus the mean's own error


def test_a_family_spec_names_its_settings():
    assert Spec("profile").label == "profile"
    assert Spec("profile", (("weeks", 26), ("half_life_weeks", float("inf")))).label == "profile(weeks=26, half_life_weeks=inf)"


# ----- the library entry a pipeline calls --------------------------------------------------------


@pytest.fixture(scope="module")
def jiangdong():
    return load_instance("instances/jiangdong")


def test_every_model_name_forecasts_through_forecast_counts(jiangdong):
    from staffline.pipeline import default_week

    week = default_week(jiangdong)
    assert set(MODEL_NAMES) == {"auto", *MODELS} and {"ensemble", "profile", "poisson"} <= set(MODELS)
    frames = {
        name: forecast_counts(jiangdong, week, name, **({"folds": 2} if name in ("auto", "ensemble") else {})) for name in MODEL_NAMES
    }
    for name, frame in frames.items():
        assert list(frame.columns) == [*CELL, *VALUES], name
        assert len(frame) == len(frames["profile"]) and (frame["mean"] >= 0).all(), name
    assert not np.allclose(frames["ensemble"]["mean"], frames["profile"]["mean"])
    with pytest.raises(ValueError, match="known: auto, naive"):
        forecast_counts(jiangdong, week, "prophet")


def test_fit_forecast_says_what_auto_picked_and_its_backtest_wape(jiangdong):
    from staffline.pipeline import default_week

    week = default_week(jiangdong)
    frame, info = fit_forecast(jiangdong, week, "auto", folds=3)
    auto = Auto(folds=3).fit(slot_counts(jiangdong))
    assert info.requested == "auto" and info.model == auto.chosen.name and info.model in MODELS
    assert info.backtest_wape == auto.backtest_wape and info.backtest_folds == 3
    assert info.candidates == auto.scores and set(info.candidates) == {"naive", "profile", "poisson", "topdown", "ensemble"}
    assert info.description == auto.describe() and info.interval_method == MODELS[info.model].interval_method
    pd.testing.assert_frame_equal(frame, forecast_counts(jiangdong, week, "auto", folds=3))
    assert set(info.as_dict()) == {"requested", "model", "description", "interval_method", "backtest_wape", "backtest_folds", "candidates"}
    # a single model is backtested on the same folds: the public backtest's number
    _, single = fit_forecast(jiangdong, week, "profile", folds=3)
    table = backtest(slot_counts(jiangdong), ["profile"], folds=3)
    assert single.model == "profile" and single.candidates == {} and single.backtest_folds == 3
    assert single.backtest_wape == pytest.approx(table[(table["role"] == "all")]["wape"].iloc[0], abs=5e-5)
    _, quick = fit_forecast(jiangdong, week, "profile", backtest=False)
    assert quick.backtest_wape is None and quick.backtest_folds == 0


def test_backtest_gives_the_day_level_model_the_branchs_holiday_calendar(jiangdong):
    """`staffline forecast --backtest` scores daylevel with the calendar the plan's forecast uses (it once ran without it)."""
    from staffline.forecasting.baseline import calendar_params

    assert calendar_params(jiangdong, "profile") == {}  # a model without a calendar gets no holiday arguments
    assert calendar_params(jiangdong, "daylevel")["holiday_country"] == jiangdong.branch.holiday_country == "CN"
    counts = slot_counts(jiangdong)
    asked: list[str] = []

    def params(name: str) -> dict:
        asked.append(name)
        return calendar_params(jiangdong, name)

    with_calendar = backtest(counts, ["daylevel"], folds=2, params=params)
    without = backtest(counts, ["daylevel"], folds=2)
    assert asked == ["naive", "daylevel"]
    day_level = lambda table: table[table["model"] == "daylevel"].reset_index(drop=True)  # noqa: E731
    assert not day_level(with_calendar).equals(day_level(without))  # the calendar reached the model and changed its forecast
