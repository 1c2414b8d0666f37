"""Erlang B/C against exact rational arithmetic, plus monotonicity properties."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffline.queueing import erlang_b, erlang_c, mean_wait, occupancy, service_level


def exact_erlang_c(load: Fraction, n: int) -> Fraction:
    """Textbook formula with factorials, exact in rationals (independent of the recursion)."""
    terms = sum(load**k / math.factorial(k) for k in range(n))
    top = load**n / math.factorial(n) * Fraction(n) / (n - load)
    return top / (terms + top)


PAIRS = [
    (Fraction(a), n)
    for a, n in [
        (1, 2),
        (2, 3),
        (5, 6),
        (5, 8),
        (10, 11),
        (10, 13),
        (10, 14),
        (10, 20),
        (Fraction(1, 2), 1),
        (Fraction(37, 4), 12),
        (20, 21),
        (20, 25),
        (30, 35),
        (50, 55),
        (50, 60),
        (75, 80),
        (100, 105),
        (100, 120),
        (Fraction(3, 10), 3),
        (150, 160),
        (8, 9),
        (42, 50),
    ]
]


@pytest.mark.parametrize("load,n", PAIRS)
def test_erlang_c_matches_exact_rational_value(load, n):
    exact = float(exact_erlang_c(load, n))
    assert erlang_c(float(load), n) == pytest.approx(exact, rel=1e-9)


def test_reference_call_centre_values():
    assert np.round(erlang_c(10, [13, 14]), 4).tolist() == [0.2853, 0.1741]
    assert np.round(service_level(10, [13, 14], 180, 20), 4).tolist() == [0.7956, 0.8884]


def test_unstable_and_empty_queues_are_explicit():
    assert erlang_c(10, 10) == 1.0 and erlang_c(10, 3) == 1.0
    assert mean_wait(10, 9, 3) == math.inf
    assert service_level(10, 10, 3, 1) == 0.0
    assert erlang_c(0, 3) == 0.0 and mean_wait(0, 0, 3) == 0.0 and service_level(0, 1, 3, 0) == 1.0
    assert occupancy(10, 20) == 0.5 and occupancy(10, 5) == 1.0


def test_broadcasting_over_every_argument():
    loads = np.array([[2.0], [8.0]])
    n = np.arange(10, 13)
    assert erlang_c(loads, n).shape == (2, 3)
    assert service_level(loads, n, np.array([3.0, 4.0, 5.0]), 1.0).shape == (2, 3)


def test_erlang_b_matches_exact_and_is_finite_at_large_loads():
    a, n = Fraction(7), 9
    exact = (a**n / math.factorial(n)) / sum(a**k / math.factorial(k) for k in range(n + 1))
    assert erlang_b(7, 9) == pytest.approx(float(exact), rel=1e-12)
    big = erlang_c(np.array([999.0, 1000.0]), np.array([1000, 2000]))
    assert np.all(np.isfinite(big)) and np.all((big >= 0) & (big <= 1))
    assert np.isfinite(erlang_b(1000, 2000))


@settings(max_examples=60, deadline=None)
@given(load=st.floats(0.1, 300), aht=st.floats(0.5, 30), target=st.floats(0, 10))
def test_wait_non_increasing_convex_and_sl_non_decreasing(load, aht, target):
    n = np.arange(int(load) + 1, int(load) + 40)
    w = mean_wait(load, n, aht)
    assert np.all(np.diff(w) <= 1e-12 * max(w[0], 1))
    assert np.all(np.diff(w, 2) >= -1e-9 * max(w[0], 1))
    sl = service_level(load, n, aht, target)
    assert np.all(np.diff(sl) >= -1e-12)


@settings(max_examples=40, deadline=None)
@given(load=st.floats(0, 1000), n=st.integers(0, 2000))
def test_large_loads_stay_finite(load, n):
    assert 0.0 <= erlang_b(load, n) <= 1.0
    assert 0.0 <= erlang_c(load, n) <= 1.0
