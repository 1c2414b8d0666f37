"""Erlang A against a truncated birth-death chain solved as a linear system."""

import numpy as np
import pytest

from staffline.queueing import erlang_a, erlang_c, mean_wait, service_level

CASES = [
    (lam, aht, pat, n)
    for lam, aht, pat in [(1.0, 3.0, 10.0), (3.0, 4.5, 20.0), (0.5, 25.0, 40.0), (10.0, 1.0, 2.0), (2.0, 2.0, 0.5)]
    for n in (1, 3, 6, 12)
]


def generator_solution(lam, aht, patience, n, size=600):
    """Stationary law from the CTMC generator Q (pi Q = 0, sum pi = 1) with numpy.linalg."""
    mu, theta = 1 / aht, 1 / patience
    q = np.zeros((size, size))
    for k in range(size):
        if k + 1 < size:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, n) * mu + max(k - n, 0) * theta
        q[k, k] = -q[k].sum()
    a = np.vstack([q.T, np.ones(size)])
    b = np.zeros(size + 1)
    b[-1] = 1
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    k = np.arange(size)
    queue = (np.maximum(k - n, 0) * pi).sum()
    return pi[n:].sum(), theta * queue / lam, queue / lam


@pytest.mark.parametrize("lam,aht,patience,n", CASES)
def test_matches_birth_death_chain(lam, aht, patience, n):
    p_wait, p_ab, wait = generator_solution(lam, aht, patience, n)
    result = erlang_a(lam, aht, patience, n)
    assert result.p_wait == pytest.approx(p_wait, abs=1e-6)
    assert result.p_abandon == pytest.approx(p_ab, abs=1e-6)
    assert result.mean_wait == pytest.approx(wait, abs=1e-6)


def test_converges_to_erlang_c_as_patience_grows():
    n = np.array([12, 13, 14, 16])
    result = erlang_a(10 / 3, 3.0, 1e7, n)
    assert np.allclose(result.p_wait, erlang_c(10, n), atol=1e-5)
    assert np.allclose(result.mean_wait, mean_wait(10, n, 3.0), rtol=1e-4)
    assert np.allclose(result.service_level(1.0), service_level(10, n, 3.0, 1.0), atol=1e-5)
    assert np.all(result.p_abandon < 1e-6)


def test_always_stable_and_service_level_sensible():
    result = erlang_a(4.0, 3.0, 10.0, np.arange(0, 20))
    assert np.all(np.isfinite(result.mean_wait))
    sl = result.service_level(2.0)
    assert np.all(np.diff(sl) >= -1e-9) and sl[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(sl <= 1 - result.p_abandon + 1e-9)  # abandoners are never served in time
