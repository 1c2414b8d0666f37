"""Prediction intervals for slot counts: Poisson or negative-binomial quantiles.

Counts per 15-minute slot are small (0-15), where a normal approximation
gives negative lower bounds and too-narrow upper ones, so intervals are exact
quantiles of the count distribution, computed with the pmf recurrence (no
scipy dependency). ``dispersion`` = variance / mean; 1 means Poisson.
"""

from __future__ import annotations

import numpy as np

LEVELS = {"80": (0.10, 0.90), "95": (0.025, 0.975)}


def count_quantiles(mean, dispersion, probs) -> list[np.ndarray]:
    """Quantiles (smallest k with CDF >= p) of Poisson(mean) or NB(mean, dispersion) for each p."""
    mu = np.maximum(np.asarray(mean, dtype=float), 1e-12)
    phi = np.broadcast_to(np.maximum(np.asarray(dispersion, dtype=float), 1.0), mu.shape)
    poisson = phi <= 1.0 + 1e-9
    size = np.where(poisson, np.inf, mu / np.maximum(phi - 1.0, 1e-12))  # NB size r: var = mu + mu^2 / r
    q = mu / (mu + np.where(poisson, 1.0, size))
    p = np.where(poisson, np.exp(-mu), np.exp(np.where(poisson, 0.0, size) * np.log1p(-np.where(poisson, 0.5, q))))
    k_max = int(np.ceil((mu + 12 * np.sqrt(mu * phi) + 20).max(initial=20)))
    cdf = p.copy()
    out = [np.full(mu.shape, k_max, dtype=float) for _ in probs]
    for j, prob in enumerate(probs):
        out[j] = np.where(cdf >= prob, 0.0, out[j])
    for k in range(k_max):
        ratio = np.where(poisson, mu / (k + 1), (k + size) / (k + 1) * q)
        p = p * ratio
        cdf = cdf + p
        for j, prob in enumerate(probs):
            out[j] = np.where((out[j] == k_max) & (cdf >= prob), k + 1.0, out[j])
    return out


def add_intervals(frame, dispersion=1.0):
    """Add lo80, hi80, lo95, hi95 columns for the ``mean`` column (in place, returned).

    An upper bound is never below the mean: for a rate of 0.02 the 97.5%
    quantile of the count is 0, which reads as a bug in a table.
    """
    probs = [p for pair in LEVELS.values() for p in pair]
    qs = count_quantiles(frame["mean"].to_numpy(), dispersion, probs)
    for (name, _), lo, hi in zip(LEVELS.items(), qs[0::2], qs[1::2]):
        frame[f"lo{name}"] = lo
        frame[f"hi{name}"] = np.maximum(hi, frame["mean"].to_numpy())
    return frame


INVERSE_SIZES = np.concatenate([[0.0], np.geomspace(1e-4, 4.0, 80)])
FIT_ROWS = 400  # rows per (role, tier) used to read 1/r back from the intervals


def implied_inverse_size(frame) -> dict[tuple[str, str], float]:
    """1/r per (role, tier) whose NB intervals best reproduce the frame's ``lo80 .. hi95`` columns.

    Why: a forecast frame carries its distribution only as interval columns
    (the calibration's 1/r is not kept), and the roster's ``demand =
    "expected"`` needs the rate's variance ``mean^2 / r``. The columns are
    integer quantiles, so 1/r is the grid value with the least total absolute
    quantile mismatch over up to :data:`FIT_ROWS` rows of the group (0 when
    the intervals are Poisson's). A frame without interval columns gives {}.
    """
    columns = [f"{side}{name}" for name in LEVELS for side in ("lo", "hi")]
    if not set(columns) <= set(frame.columns) or frame.empty:
        return {}
    probs = [p for pair in LEVELS.values() for p in pair]
    out = {}
    for key, rows in frame.groupby(["role", "tier"], sort=True):
        rows = rows[rows["mean"] > 0]
        if rows.empty:
            continue
        rows = rows.iloc[np.linspace(0, len(rows) - 1, min(len(rows), FIT_ROWS)).astype(int)]
        mean = rows["mean"].to_numpy(float)
        observed = rows[columns].to_numpy(float)
        grid_mean = np.repeat(mean[None, :], INVERSE_SIZES.size, axis=0)
        qs = count_quantiles(grid_mean, 1.0 + grid_mean * INVERSE_SIZES[:, None], probs)
        fitted = np.stack([qs[0], np.maximum(qs[1], grid_mean), qs[2], np.maximum(qs[3], grid_mean)], axis=-1)
        mismatch = np.abs(fitted - observed[None, :, :]).sum(axis=(1, 2))
        out[(str(key[0]), str(key[1]))] = float(INVERSE_SIZES[int(np.argmin(mismatch))])
    return out


def rate_variance(frame) -> np.ndarray:
    """Variance of each row's arrival rate, ``mean^2 / r`` with 1/r read from the intervals (0 without them)."""
    inverse = implied_inverse_size(frame)
    inv_r = np.array([inverse.get((str(r), str(t)), 0.0) for r, t in zip(frame["role"], frame["tier"])], dtype=float)
    return frame["mean"].to_numpy(float) ** 2 * inv_r
