"""Expected wait curves over a gamma arrival rate ([objective] demand = "expected")."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffline.forecasting.intervals import add_intervals, implied_inverse_size, rate_variance
from staffline.queueing import min_staff, wait_curve
from staffline.queueing.curves import per_customer_wait
from staffline.queueing.uncertainty import gamma_nodes

AHT, SLOT, N_MAX = 6.0, 15, 14
rates = st.lists(st.floats(0.5, 25.0), min_size=1, max_size=6)
cvs = st.floats(0.01, 0.6)
patience = st.sampled_from([None, 10.0])


@settings(max_examples=40, deadline=None)
@given(st.floats(0.1, 40.0), cvs)
def test_gamma_rule_reproduces_mean_and_variance(mean, cv):
    r, w = gamma_nodes([mean], [(cv * mean) ** 2])
    assert w.sum() == pytest.approx(1.0)
    m = float((r * w).sum())
    assert m == pytest.approx(mean, rel=1e-9)
    assert float((r**2 * w).sum()) - m**2 == pytest.approx((cv * mean) ** 2, rel=1e-6)


@settings(max_examples=15, deadline=None)
@given(rates, cvs, patience)
def test_expected_curve_is_convex_and_decreasing_in_n(arr, cv, pat):
    a = np.array(arr)
    curve = wait_curve(a, AHT, pat, N_MAX, SLOT, "stationary", rate_variance=(cv * a) ** 2)
    scale = max(curve.max(), 1.0)
    assert np.all(np.diff(curve, axis=1) <= 1e-9 * scale)
    assert np.all(np.diff(curve, n=2, axis=1) >= -1e-9 * scale)


@settings(max_examples=12, deadline=None)
@given(rates, patience, st.sampled_from(["stationary", "lagged", "mol"]))
def test_vanishing_dispersion_gives_the_mean_rate_curve(arr, pat, method):
    a = np.array(arr)
    plug_in = wait_curve(a, AHT, pat, N_MAX, SLOT, method)
    for var in (np.zeros_like(a), (1e-5 * a) ** 2):
        np.testing.assert_allclose(wait_curve(a, AHT, pat, N_MAX, SLOT, method, rate_variance=var), plug_in, rtol=1e-4, atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(rates, cvs, patience)
def test_expected_curve_is_at_least_the_plug_in_where_every_node_is_stable(arr, cv, pat):
    """Jensen: customer-minutes are convex in the rate where the queue is stable (and below the cap)."""
    a = np.array(arr)
    var = (cv * a) ** 2
    expected = wait_curve(a, AHT, pat, N_MAX, SLOT, "stationary", rate_variance=var)
    plug_in = wait_curve(a, AHT, pat, N_MAX, SLOT, "stationary")
    nodes, _ = gamma_nodes(a, var)
    top = per_customer_wait(nodes.max(axis=1), AHT, pat, N_MAX, SLOT)
    stable = np.isfinite(top) & (top <= 240.0)
    assert np.all(expected[stable] >= plug_in[stable] * (1 - 1e-9) - 1e-9)


@pytest.mark.parametrize("mean,cv,pat", [(8.0, 0.15, None), (20.0, 0.3, None), (12.0, 0.5, 10.0), (3.0, 0.8, None)])
def test_expected_curve_matches_numerical_integration(mean, cv, pat):
    """The quadrature against a fine trapezoid integral of the known-rate curve over the gamma density."""
    k = 1 / cv**2
    theta = mean / k
    grid = np.linspace(1e-6, mean + 14 * cv * mean, 1201)
    log_pdf = (k - 1) * np.log(grid) - grid / theta - math.lgamma(k) - k * math.log(theta)
    n_max = 60
    curves = wait_curve(grid, AHT, pat, n_max, SLOT, "stationary")  # each grid rate its own slot
    reference = np.trapezoid(np.exp(log_pdf)[:, None] * curves, grid, axis=0)
    reference /= np.trapezoid(np.exp(log_pdf), grid)
    expected = wait_curve([mean], AHT, pat, n_max, SLOT, "stationary", rate_variance=[(cv * mean) ** 2])[0]
    # Compared where every rate of the integral is a stable queue: below that n the integrand runs into
    # the steep convex extension (a penalty, not a wait), which jumps with the rate, and no rule converges there.
    tail = per_customer_wait([grid[-1]], AHT, pat, n_max, SLOT)[0]
    smooth = np.isfinite(tail) & (tail <= 240.0)
    assert smooth.sum() >= 5
    np.testing.assert_allclose(expected[smooth], reference[smooth], rtol=0.02, atol=0.05)


def test_expected_service_level_staffs_at_least_the_plug_in_at_high_targets():
    a = np.array([4.0, 10.0, 25.0, 40.0])
    plain = min_staff(a, AHT, 2.0, 0.9, slot_minutes=SLOT)
    spread = min_staff(a, AHT, 2.0, 0.9, slot_minutes=SLOT, rate_variance=(0.25 * a) ** 2)
    assert np.all(spread >= plain) and np.any(spread > plain)
    assert np.array_equal(min_staff(a, AHT, 2.0, 0.9, slot_minutes=SLOT, rate_variance=np.zeros(4)), plain)


@pytest.mark.parametrize("inv_r", [0.0, 0.02, 0.1])
def test_rate_variance_is_read_back_from_the_intervals(inv_r):
    mean = np.random.default_rng(0).uniform(0.5, 15, 300)
    frame = add_intervals(pd.DataFrame({"role": "a", "tier": "std", "mean": mean}), 1 + mean * inv_r)
    assert implied_inverse_size(frame)[("a", "std")] == pytest.approx(inv_r, abs=0.01, rel=0.15)
    np.testing.assert_allclose(rate_variance(frame), mean**2 * implied_inverse_size(frame)[("a", "std")])
    assert not rate_variance(frame[["role", "tier", "mean"]]).any()  # no intervals: a known rate
