"""The one-hot-block IRLS solves the same Poisson GLM as the dense one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from staffline.forecasting.glm import irls_poisson, irls_poisson_cells, linear_predictor


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_cells=st.integers(1, 12), ridge=st.sampled_from([0.0, 1e-3, 0.5]))
def test_cell_block_solver_equals_the_dense_design(seed, n_cells, ridge):
    """Cells 0..n_cells-1 plus a reference cell (-1): same coefficients as one-hot columns in a dense X."""
    rng = np.random.default_rng(seed)
    n = 400
    cell = rng.integers(-1, n_cells, n)
    Z = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    truth_a, truth_b = rng.normal(0, 0.5, n_cells), np.array([1.0, 0.2, -0.3])
    y = rng.poisson(np.exp(linear_predictor(cell, Z, truth_a, truth_b)))
    a, b = irls_poisson_cells(cell, Z, y, n_cells, ridge)
    onehot = np.zeros((n, n_cells))
    onehot[np.nonzero(cell >= 0)[0], cell[cell >= 0]] = 1.0
    dense = irls_poisson(np.hstack([Z, onehot]), y, ridge)
    np.testing.assert_allclose(b, dense[:3], atol=1e-6)
    np.testing.assert_allclose(a, dense[3:], atol=1e-6)


def test_cells_recover_known_rates():
    rng = np.random.default_rng(7)
    n = 30000
    cell = rng.integers(-1, 5, n)
    Z = np.column_stack([np.ones(n), rng.normal(size=n)])
    a_true, b_true = np.array([0.3, -0.2, 0.5, 0.0, -0.6]), np.array([1.2, 0.25])
    y = rng.poisson(np.exp(linear_predictor(cell, Z, a_true, b_true)))
    a, b = irls_poisson_cells(cell, Z, y, 5, ridge=0.0)
    assert np.allclose(a, a_true, atol=0.03) and np.allclose(b, b_true, atol=0.03)
