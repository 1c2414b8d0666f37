"""Calibrated intervals: the extra variance recovered from residuals, coverage near nominal, shared refits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffline.forecasting import Auto, make_model
from staffline.forecasting.calibration import Calibration, Residuals, backtest_residuals, rolling_predictions
from staffline.forecasting.folds import rolling_folds
from staffline.forecasting.intervals import add_intervals
from tests.forecasting.test_combination import gamma_days


def _gamma_poisson(mu: np.ndarray, inv_r: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.poisson(mu * rng.gamma(1 / inv_r, inv_r, len(mu)))


def test_the_extra_variance_of_a_gamma_mixed_poisson_is_recovered_and_its_intervals_cover_nominal():
    """Counts with a known rate scatter (1/r = 0.04, a 20% rate CV): the moment fit finds it, and the NB
    intervals it gives cover 80% and 95% of fresh counts."""
    rng = np.random.default_rng(0)
    mu = rng.uniform(5, 60, 40_000)
    key = [("counter", "regular")] * len(mu)
    calibration = Calibration.fit(Residuals(key, _gamma_poisson(mu, 0.04, 1).astype(float), mu))
    assert calibration.inverse_size[("counter", "regular")] == pytest.approx(0.04, rel=0.1)
    grid = pd.DataFrame({"role": "counter", "tier": "regular", "mean": mu})
    fresh = _gamma_poisson(mu, 0.04, 2)
    frame = add_intervals(grid, calibration.dispersion(grid))
    for level, nominal in (("80", 0.80), ("95", 0.95)):
        cover = ((fresh >= frame[f"lo{level}"]) & (fresh <= frame[f"hi{level}"])).mean()
        assert nominal - 0.015 <= cover <= nominal + 0.04, (level, cover)  # integer counts: quantile pairs cover a bit more


def test_poisson_counts_get_no_extra_variance_and_no_residuals_keep_the_models_own_intervals():
    rng = np.random.default_rng(3)
    mu = rng.uniform(1, 30, 20_000)
    calibration = Calibration.fit(Residuals([("a", "regular")] * len(mu), rng.poisson(mu).astype(float), mu))
    assert calibration.inverse_size[("a", "regular")] < 0.002
    assert Calibration.fit(Residuals.concat([])).inverse_size == {}


def test_single_models_cover_about_nominal_out_of_sample_under_day_level_scatter():
    """15% day-to-day rate scatter: every calibrated single model covers close to 80% / 95% on later weeks."""
    counts = gamma_days(weeks=24, cv=0.15, seed=7, scale=10.0)
    for name in ("profile", "daylevel"):
        frames = [frame for _, frame in rolling_predictions(lambda: make_model(name), counts, folds=4)]
        pred = pd.concat(frames)
        cover = [((pred["count"] >= pred[f"lo{v}"]) & (pred["count"] <= pred[f"hi{v}"])).mean() for v in ("80", "95")]
        assert 0.72 <= cover[0] <= 0.88 and 0.90 <= cover[1] <= 0.99, (name, cover)


def test_shared_refits_give_what_fitting_and_predicting_on_each_fold_gives():
    counts = gamma_days(weeks=10, cv=0.1, seed=4)
    shared = rolling_predictions(lambda: make_model("profile"), counts, folds=2, calibration_folds=3)
    nested = []
    for fold in rolling_folds(counts, 2):
        model = make_model("profile").fit(fold.train)
        model.calibrate(backtest_residuals(model, fold.train, folds=3))
        nested.append(fold.attach(model.predict(fold.dates, fold.slots)))
    assert [fold.origin for fold, _ in shared] == [fold.origin for fold in rolling_folds(counts, 2)]
    for (_, a), b in zip(shared, nested):
        pd.testing.assert_frame_equal(a, b)


def test_auto_calibrates_a_single_pick_on_the_residuals_its_choice_was_made_on():
    counts = gamma_days(weeks=20, cv=0.0001, seed=1, trend=0.06, scale=30.0)  # the trend makes poisson win (test_combination)
    auto = Auto(folds=4).fit(counts)
    assert auto.chosen.name == "poisson"
    own = Calibration.fit(backtest_residuals(make_model("poisson"), counts, folds=4))
    assert auto.chosen.calibration is not None
    assert auto.chosen.calibration.inverse_size == pytest.approx(own.inverse_size, rel=1e-9)
