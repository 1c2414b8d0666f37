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


def negligible_from(arrivals, aht: float, slot_minutes: float) -> int:
    """A staff level from which no slot's wait is worth computing: the busiest load + 8 sqrt(load) + 10.

    There square-root staffing has beta >= 8, so hardly anyone waits
    (abandonment only lowers it): on the 300-staff benchmark branch the
    curves changed by at most 3e-10 customer-minutes a slot when these
    levels were set to 0, and not at all once scaled to the roster model's
    integers.
    """
    load = float(np.max(arrivals, initial=0.0)) / slot_minutes * aht
    return int(np.ceil(load + 8 * np.sqrt(load) + 10))


def per_customer_wait(arrivals, aht: float, patience: float | None, n_max: int, slot_minutes: float) -> np.ndarray:
    """Mean wait in minutes per arrival, [slot, n] for n = 0..n_max (inf where unstable).

    Levels from :func:`negligible_from` on are 0 rather than computed: the
    roster asks for curves up to every certified person (300 at a 300-staff
    branch), most of them far past where anyone waits.
    """
    lam = np.asarray(arrivals, dtype=float)[:, None] / slot_minutes
    top = min(n_max, negligible_from(arrivals, aht, slot_minutes))
    n = np.arange(top + 1)[None, :]
    if patience is None:
        wait = mean_wait(lam * aht, n, aht)
    else:
        wait = erlang_a(lam, aht, patience, n).mean_wait
    return np.pad(wait, ((0, 0), (0, n_max - top))) if top < n_max else wait


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

    The service level grows with n, so each slot is bisected on its own
    bracket: from a square-root-staffing bound of its own load (load + 8
    sqrt(load) + 10, doubled while still short) down to the answer, one n per
    slot per step. Why: evaluating every n up to the busiest slot's bound for
    every slot made Erlang A's service level 88 s of a 150-staff plan
    (33,000 (slot, n) pairs, each a uniformisation chain); a bisection
    evaluates about 8 per slot.
    """
    mean = np.atleast_1d(np.asarray(arrivals, dtype=float))
    variance = np.zeros_like(mean) if rate_variance is None else np.broadcast_to(np.asarray(rate_variance, dtype=float), mean.shape)
    uncertain = bool(np.any(variance > 0))

    def meets(slots: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Whether ``n[k]`` staff meet the target in slot ``slots[k]``."""

        def level(rate: np.ndarray) -> np.ndarray:
            lam = rate / slot_minutes
            if patience is None:
                return service_level(lam * aht, n, aht, target_minutes)
            return erlang_a(lam, aht, patience, n).service_level(target_minutes)

        sl = expected_over_rate(level, mean[slots], variance[slots]) if uncertain else level(mean[slots])
        return np.asarray(sl) >= service_level_target - 1e-12

    top = mean + 8 * np.sqrt(variance)  # the rule's nodes lie within a few standard deviations
    load = top / slot_minutes * aht
    hi = np.minimum(n_max, np.ceil(load + 8 * np.sqrt(load) + 10)).astype(np.int64)
    found = np.zeros(mean.size, dtype=bool)  # the bracket's top meets the target (else the answer is n_max)
    short = np.arange(mean.size)
    while short.size:
        ok = meets(short, hi[short])
        found[short[ok]] = True
        short = short[~ok & (hi[short] < n_max)]
        hi[short] = np.minimum(n_max, 2 * hi[short])
    lo = np.full(mean.size, -1, dtype=np.int64)  # largest n known to fall short (-1: none)
    active = np.flatnonzero(found & (hi - lo > 1))
    while active.size:
        mid = (lo[active] + hi[active]) // 2
        ok = meets(active, mid)
        hi[active] = np.where(ok, mid, hi[active])
        lo[active] = np.where(ok, lo[active], mid)
        active = active[hi[active] - lo[active] > 1]
    return np.where(found, hi, n_max)
