"""Staffing for an uncertain arrival rate: expectations of W(n) and of the service level over a gamma rate.

Why: a forecast gives a slot's mean arrivals, but the rate itself is uncertain
(the calibrated negative-binomial intervals say by how much: count variance
``mu + mu^2 / r`` is a Poisson count whose rate is gamma with mean ``mu`` and
variance ``mu^2 / r``). The customer-minutes waited in a slot are convex in
the rate wherever the queue is stable, so the plug-in ``W(mean rate)``
understates the expected wait (Jensen); ``[objective] demand = "expected"``
replaces it with ``E[W(rate)]``.

The expectation is a Gauss quadrature over the gamma rate: nodes and weights
of the generalised Gauss-Laguerre rule with ``alpha = shape - 1`` from the
eigen-decomposition of its Jacobi matrix (Golub-Welsch). Eigenvectors come
normalised, so no Gamma function is evaluated and the rule stays finite for
the very large shapes that near-certain rates give. A weighted sum of curves
each convex and decreasing in n is convex and decreasing in n, so the
optimizer's tangent-cut model is unchanged.
"""

from __future__ import annotations

import numpy as np

NODES = 12
MAX_SHAPE = 1e6  # above this the rate's coefficient of variation is < 0.1%: treated as known


def gamma_nodes(mean, variance, nodes: int = NODES) -> tuple[np.ndarray, np.ndarray]:
    """Rates [slot, node] and weights [slot, node] of a Gauss rule for Gamma(mean, variance) per slot.

    A slot with (near) zero variance or zero mean gets every node at its mean
    (weights 1/nodes), so the expectation reduces to the plug-in value exactly.
    """
    mu = np.atleast_1d(np.asarray(mean, dtype=float))
    var = np.broadcast_to(np.asarray(variance, dtype=float), mu.shape)
    if np.any(var < 0) or np.any(mu < 0):
        raise ValueError("mean and variance must be non-negative")
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(var > 0, mu**2 / np.where(var > 0, var, 1.0), np.inf)
    uncertain = (mu > 0) & (shape < MAX_SHAPE)
    rates = np.repeat(mu[:, None], nodes, axis=1)
    weights = np.full(rates.shape, 1.0 / nodes)
    if uncertain.any():
        k = shape[uncertain]
        alpha = k - 1.0
        i = np.arange(nodes, dtype=float)
        jacobi = np.zeros((k.size, nodes, nodes))
        idx = np.arange(nodes)
        jacobi[:, idx, idx] = 2 * i + alpha[:, None] + 1
        off = np.sqrt(i[1:] * (i[1:] + alpha[:, None]))
        jacobi[:, idx[1:], idx[:-1]] = off
        jacobi[:, idx[:-1], idx[1:]] = off
        x, vectors = np.linalg.eigh(jacobi)
        scale = mu[uncertain] / k  # Gamma(k, theta): mean k theta
        rates[uncertain] = np.maximum(x, 0.0) * scale[:, None]
        weights[uncertain] = vectors[:, 0, :] ** 2
    return rates, weights


def expected_over_rate(function, mean, variance, nodes: int = NODES) -> np.ndarray:
    """``E[function(rate)]`` per slot: ``function(rates[slot])`` -> array[slot, ...], averaged over the gamma rule.

    ``function`` is called once per node with that node's rate for every
    slot (so a day's node keeps its order through the day), and its results
    are weighted per slot.
    """
    rates, weights = gamma_nodes(mean, variance, nodes)
    total = None
    for j in range(rates.shape[1]):
        value = np.asarray(function(rates[:, j]), dtype=float)
        term = value * weights[:, j].reshape((-1,) + (1,) * (value.ndim - 1))
        total = term if total is None else total + term
    assert total is not None
    return total
