"""Per-slot wait curves W(n) and minimum staffing, the arrays the roster optimizer uses.

``wait_curve`` returns, for each slot and each n = 0..n_max, the expected
customer-minutes waited in that slot. The optimizer models it with tangent
cuts ``w >= W(k) + (W(k+1) - W(k)) (n - k)``, which are exact at integers
only if W is convex in n, so convexity is enforced and asserted here.

Where Erlang C has no steady state (n <= offered load) or its value exceeds
``cap_minutes`` per customer, W is continued to smaller n as a straight line
whose slope is at least three times the first stable segment's: finite
(CP-SAT needs integers), steep (the optimizer avoids it) and still convex.

Time-varying load (``method``):

* ``"stationary"`` - each slot is an independent stationary queue;
* ``"lagged"`` - pointwise stationary with lag: the load of a slot is the
  arrival rate one mean service time earlier (Green, Kolesar & Soares), which
  moves staffing peaks after arrival peaks;
* ``"mol"`` - modified offered load: ``a(t) = integral lambda(s) P(S > t - s) ds``
  for exponential service, exact for piecewise-constant rates, evaluated at
  the slot's midpoint.
The arrays of one call are treated as consecutive slots of one day.
"""

from __future__ import annotations

import numpy as np

from staffline.queueing.abandonment import erlang_a
from staffline.queueing.erlang import mean_wait, service_level
from staffline.queueing.uncertainty import expected_over_rate

METHODS = ("stationary", "lagged", "mol")
EXTENSION_SLOPE_FACTOR = 3.0


def effective_arrivals(arrivals, aht: float, slot_minutes: float, method: str = "stationary") -> np.ndarray:
    """Arrivals per slot that give each slot's effective offered load under ``method``."""
    lam = np.asarray(arrivals, dtype=float)
    if method == "stationary" or lam.size == 0:
        return lam
    if method == "lagged":
        positions = np.arange(lam.size) - aht / slot_minutes
        return np.interp(positions, np.arange(lam.size), lam, left=lam[0])
    if method == "mol":
        decay = np.exp(-slot_minutes / aht)
        half = np.exp(-slot_minutes / (2 * aht))
        load = np.empty(lam.size)
        prev = lam[0] / slot_minutes * aht  # start in steady state for the first rate
        for i, x in enumerate(lam):
            rate_load = x / slot_minutes * aht
            load[i] = prev * half + rate_load * (1 - half)
            prev = prev * decay + rate_load * (1 - decay)
        return load / aht * slot_minutes
    raise ValueError(f"unknown method {method!r} (known: {', '.join(METHODS)})")


def per_customer_wait(arrivals, aht: float, patience: float | None, n_max: int, slot_minutes: float) -> np.ndarray:
    """Mean wait in minutes per arrival, [slot, n] for n = 0..n_max (inf where unstable)."""
    lam = np.asarray(arrivals, dtype=float)[:, None] / slot_minutes
    n = np.arange(n_max + 1)[None, :]
    if patience is None:
        return mean_wait(lam * aht, n, aht)
    return erlang_a(lam, aht, patience, n).mean_wait


def convex_extension(curve: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Replace infinite/over-cap values at small n by a steep convex linear continuation."""
    out = np.array(curve, dtype=float)
    for s in range(out.shape[0]):
        row = out[s]
        ok = np.flatnonzero(np.isfinite(row) & (row <= cap[s]))
        if ok.size == 0:  # even n_max cannot serve: a line through the cap
            row[:] = cap[s] * (1 + EXTENSION_SLOPE_FACTOR * (row.size - 1 - np.arange(row.size)))
            continue
        first = ok[0]
        if first == 0:
            continue
        next_slope = row[first] - row[first + 1] if first + 1 < row.size else 0.0
        slope = max(EXTENSION_SLOPE_FACTOR * next_slope, cap[s] / max(first, 1), 1e-9)
        row[:first] = row[first] + slope * (first - np.arange(first))
    return out


def make_convex(curve: np.ndarray) -> np.ndarray:
    """Remove float noise so first differences are non-decreasing (convex), then assert it."""
    diffs = np.diff(curve, axis=1)
    fixed = np.maximum.accumulate(diffs, axis=1)
    noise = np.abs(fixed - diffs).max(initial=0.0)
    scale = max(np.abs(curve).max(initial=0.0), 1.0)
    if noise > 1e-6 * scale:
        raise AssertionError(f"wait curve is not convex in n (violation {noise:.3g})")
    out = np.concatenate([curve[:, :1], curve[:, :1] + np.cumsum(fixed, axis=1)], axis=1)
    out = np.maximum(out, 0.0)  # max of convex functions stays convex
    assert np.all(np.diff(out, n=2, axis=1) >= -1e-9 * scale)
    return out


def wait_curve(
    arrivals,
    aht: float,
    patience: float | None = None,
    n_max: int = 30,
    slot_minutes: float = 15,
    method: str = "stationary",
    cap_minutes: float = 240.0,
    rate_variance=None,
) -> np.ndarray:
    """Expected customer-minutes waited per slot, array[slot, n] for n = 0..n_max; convex in n.

    With ``rate_variance`` (per slot, arrivals^2) the slot's rate is gamma with
    mean ``arrivals`` and that variance, and the curve is the expectation of
    the known-rate curve over it (:mod:`staffline.queueing.uncertainty`).
    """
    actual = np.atleast_1d(np.asarray(arrivals, dtype=float))
    if np.any(actual < 0):
        raise ValueError("arrivals must be non-negative")
    if rate_variance is not None and np.any(np.asarray(rate_variance) > 0):
        expected = expected_over_rate(
            lambda rate: wait_curve(rate, aht, patience, n_max, slot_minutes, method, cap_minutes), actual, rate_variance
        )
        return make_convex(expected)
    effective = effective_arrivals(actual, aht, slot_minutes, method)
    per_customer = per_customer_wait(effective, aht, patience, n_max, slot_minutes)
    total = np.where(actual[:, None] > 0, actual[:, None] * per_customer, 0.0)
    total = convex_extension(total, cap_minutes * np.maximum(actual, 1e-9))
    return make_convex(total)


def min_staff(
    arrivals,
    aht: float,
    target_minutes: float,
    service_level_target: float,
    patience: float | None = None,
    n_max: int = 200,
    slot_minutes: float = 15,
    rate_variance=None,
) -> np.ndarray:
    """Smallest n per slot whose service level meets the target (n_max if none does).

    With ``rate_variance`` the service level is its expectation over the
    slot's gamma rate (mean ``arrivals``): the n whose expected share of
    customers answered in time meets the target, not the n that would if the
    forecast were exact.

    The search starts at a square-root-staffing bound (load + 8 sqrt(load) + 10,
    far above any realistic target) and doubles only if some slot is still short,
    so the Erlang A service level is never evaluated for hundreds of useless n.
    """
    mean = np.atleast_1d(np.asarray(arrivals, dtype=float))
    variance = np.zeros_like(mean) if rate_variance is None else np.broadcast_to(np.asarray(rate_variance, dtype=float), mean.shape)
    top = mean + 8 * np.sqrt(variance)  # the rule's nodes lie within a few standard deviations
    load = float(top.max(initial=0.0)) / slot_minutes * aht
    n_hi = min(n_max, int(np.ceil(load + 8 * np.sqrt(load) + 10)))

    def levels(rate: np.ndarray, n: np.ndarray) -> np.ndarray:
        lam = rate[:, None] / slot_minutes
        if patience is None:
            return service_level(lam * aht, n, aht, target_minutes)
        return erlang_a(lam, aht, patience, n).service_level(target_minutes)

    while True:
        n = np.arange(n_hi + 1)[None, :]
        if np.any(variance > 0):
            sl = expected_over_rate(lambda rate: levels(rate, n), mean, variance)
        else:
            sl = levels(mean, n)
        meets = sl >= service_level_target - 1e-12
        if meets.any(axis=1).all() or n_hi >= n_max:
            return np.where(meets.any(axis=1), meets.argmax(axis=1), n_max)
        n_hi = min(n_max, 2 * n_hi)
