"""Within-day forecast update: the rest of today's arrivals from today's counts so far.

A day-ahead forecast misses mostly by a level: a busy day is busy in every
slot (Weinberg, Brown & Stroud 2007 model arrivals as a day level times a
within-day profile). By mid-morning the counts so far reveal much of that
level, so the rest of the day is the day-ahead profile times a re-estimated
level, one per role.

Two estimators of the level ``L`` from ``N`` counts observed where the
day-ahead forecast expected ``E``:

* ``ratio`` - a plain shrunk level ratio ``1 + w (N / E - 1)`` with a fixed
  weight ``w``: the simple rule the issue quotes as the reference;
* ``gamma`` (the default) - a Bayesian multiplicative update: the level has a
  Gamma(a, a) prior (mean 1, variance 1/a) and the counts are Poisson with mean
  ``L`` times the forecast, so the posterior is Gamma(a + N, a + E) and the
  level's mean is ``(a + N) / (a + E)``. The shrinkage then follows the
  evidence: little expected volume early in the day moves the level little, a
  full morning moves it a lot. ``a`` is estimated from how far past days'
  totals strayed from their day-ahead forecasts (``prior_shape``), and recent
  slots may weigh more than early ones (``half_life``) because the level
  drifts within a day.

A day level alone is slow to see a surge that began half an hour ago: the
morning's other slots outweigh it, and a branch's volumes are small. So the
slots just ahead use a recent level as well (``local_level``: a Gamma-Poisson
update in which the prior, centred on the day level, is discounted like the
data, after West & Harrison's discount models), and the level applied to a
slot fades from the recent one to the day level with the slot's distance
from now (half-way after ``revert_minutes``): a surge seen now is likelier
to last the next hour than the whole day. The price is a noisier near-term
level for small roles (a few dozen tickets), measured on the bank series to
cost nothing in rest-of-day WAPE there.

Intervals: the day-ahead interval half-widths are scaled by the level, the
level's prior uncertainty (which a calibrated day-ahead interval spans) is
taken out in quadrature and its posterior uncertainty put in. The choice between the
estimators, and the half-life, were made by measurement on the public bank
call series (``benchmarks/forecast_real.py --update-at``; see
docs/benchmarks.md).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

METHODS = ("gamma", "ratio")
PRED_COLUMNS = ["mean", "lo80", "hi80", "lo95", "hi95"]
Z = {"80": 1.2815515655446004, "95": 1.959963984540054}
DEFAULT_PRIOR_SHAPE = 50.0  # level sd ~0.14 when no past days say otherwise
DEFAULT_RATIO_WEIGHT = 0.5
# minutes: a slot 90 minutes old counts half as much as the latest one. Chosen by measurement on
# the bank call training weeks: without discounting the 10:00 hourly update missed the target (0.81x),
# 60-180 minutes all passed; 90 is in the middle, not the single best run.
DEFAULT_HALF_LIFE: float | None = 90.0
# the recent level: a 30-minute half-life, fading into the day level over 120 minutes. Chosen by measurement
# on the same training weeks among half-lives 15/30/45 and fades 30/60/120 (all passed; this one had the lowest
# mean WAPE over 10:00 and 12:00; docs/benchmarks.md).
DEFAULT_LOCAL_HALF_LIFE: float | None = 30.0
DEFAULT_REVERT_MINUTES = 120.0


def _minutes(hhmm: str) -> int:
    hours, minutes = str(hhmm).split(":")[:2]
    return int(hours) * 60 + int(minutes)


def prior_shape(actual_totals, forecast_totals, floor: float = 2.0, ceiling: float = 1e4, min_days: int = 3) -> float:
    """The Gamma prior's shape ``a`` from past days' totals: 1 / (excess variance of actual/forecast).

    The ratio of a day's total to its forecast varies by Poisson noise
    (variance 1/forecast) plus the day level's own variance, which is what
    the prior should hold; method of moments, clipped to [floor, ceiling].
    With fewer than ``min_days`` usable days the default shape is returned.
    """
    y = np.asarray(actual_totals, float)
    f = np.asarray(forecast_totals, float)
    keep = f > 0
    if keep.sum() < min_days:
        return DEFAULT_PRIOR_SHAPE
    ratio = y[keep] / f[keep]
    excess = float(np.mean((ratio - 1.0) ** 2) - np.mean(1.0 / f[keep]))
    if excess <= 0:
        return ceiling
    return float(min(max(1.0 / excess, floor), ceiling))


def level_posterior(
    observed: np.ndarray,
    expected: np.ndarray,
    ages: np.ndarray,
    *,
    method: str = "gamma",
    shape: float = DEFAULT_PRIOR_SHAPE,
    weight: float = DEFAULT_RATIO_WEIGHT,
    half_life: float | None = DEFAULT_HALF_LIFE,
) -> tuple[float, float]:
    """(mean, sd) of one role's day level given the slots so far (counts, day-ahead means, minutes ago)."""
    if method not in METHODS:
        raise ValueError(f"unknown update method {method!r}; choose from {', '.join(METHODS)}")
    w = np.ones_like(expected, dtype=float) if half_life is None else 0.5 ** (np.asarray(ages, float) / half_life)
    n = float(np.sum(w * observed))
    e = float(np.sum(w * expected))
    if method == "ratio":
        if e <= 0:
            return 1.0, 0.0
        level = 1.0 + weight * (n / e - 1.0)
        return max(level, 0.0), weight * math.sqrt(max(n, 1.0)) / e
    post_shape, post_rate = shape + n, shape + e
    return post_shape / post_rate, math.sqrt(post_shape) / post_rate


def local_level(
    observed: np.ndarray, expected: np.ndarray, ages: np.ndarray, day_level: float, shape: float, half_life: float
) -> tuple[float, float]:
    """(mean, sd) of the level of the last hour or so: a discounted Gamma-Poisson update centred on the day level.

    The day level is what the whole morning says; a surge that began half an
    hour ago hardly moves it. Here both the data and the prior are discounted
    (West & Harrison's discount for a Poisson-Gamma dynamic model): a slot
    ``half_life`` minutes old counts half, and so, after ``half_life`` minutes
    of the day, does the prior, which is centred on the day level. Early in
    the day the local level stays near the day level; later it follows the
    recent slots.
    """
    w = 0.5 ** (np.asarray(ages, float) / half_life)
    n = float(np.sum(w * observed))
    e = float(np.sum(w * expected))
    a = shape * 0.5 ** (float(np.max(ages, initial=0.0)) / half_life)
    post_shape, post_rate = a * day_level + n, a + e
    if post_rate <= 0:
        return day_level, 0.0
    return post_shape / post_rate, math.sqrt(max(post_shape, 0.0)) / post_rate


def _half_width(day_ahead: np.ndarray, z: float, mean: np.ndarray, prior_sd: float, post_sd: np.ndarray) -> np.ndarray:
    """An interval half-width with the day level's prior uncertainty swapped for its posterior.

    A calibrated day-ahead interval already spans the unknown day level
    (variance ~ prior_sd^2 of the level, relative); once the morning has
    narrowed that down, keeping it would leave the intervals too wide. The
    prior part is taken out in quadrature and the posterior part put in, never
    going below the Poisson spread of the updated mean.
    """
    slot_only = np.maximum(day_ahead**2 - (z * mean * prior_sd) ** 2, z**2 * mean)
    return np.sqrt(slot_only + (z * mean * post_sd) ** 2)


def update_forecast(
    day_ahead: pd.DataFrame,
    observed: pd.DataFrame,
    now: str,
    *,
    method: str = "gamma",
    shape: float = DEFAULT_PRIOR_SHAPE,
    weight: float = DEFAULT_RATIO_WEIGHT,
    half_life: float | None = DEFAULT_HALF_LIFE,
    local_half_life: float | None = DEFAULT_LOCAL_HALF_LIFE,
    revert_minutes: float = DEFAULT_REVERT_MINUTES,
) -> pd.DataFrame:
    """The rest of one day's forecast (slots starting at or after ``now``), re-levelled per role.

    ``day_ahead``: that day's forecast rows (slot_start "HH:MM", role, mean and
    optionally lo80/hi80/lo95/hi95 and other key columns such as tier).
    ``observed``: today's counts so far (slot_start, role, count); slots
    before ``now`` with no row count as zero arrivals. Returns the day-ahead
    rows from ``now`` on with updated mean and intervals and the level applied
    to each row with its sd (``level``, ``level_sd``: the recent level fading
    into the day level; the day level alone with ``local_half_life=None``).
    """
    now_min = _minutes(now)
    start = day_ahead["slot_start"].map(_minutes)
    past, rest = day_ahead[start < now_min], day_ahead[start >= now_min].copy()
    counts = observed.groupby(["role", "slot_start"])["count"].sum() if len(observed) else pd.Series(dtype=float)
    levels: dict[str, tuple[float, float]] = {}
    local: dict[str, tuple[float, float]] = {}
    for role, part in past.groupby("role"):
        expected = part.groupby("slot_start")["mean"].sum()
        got = np.array([float(counts.get((role, s), 0.0)) for s in expected.index])
        ages = np.array([now_min - _minutes(s) for s in expected.index], float)
        levels[str(role)] = level_posterior(
            got, expected.to_numpy(float), ages, method=method, shape=shape, weight=weight, half_life=half_life
        )
        if local_half_life is not None:
            local[str(role)] = local_level(got, expected.to_numpy(float), ages, levels[str(role)][0], shape, local_half_life)
    day_level = rest["role"].map(lambda r: levels.get(str(r), (1.0, 0.0))[0]).to_numpy(float)
    level_sd = rest["role"].map(lambda r: levels.get(str(r), (1.0, 0.0))[1]).to_numpy(float)
    level = day_level
    if local:
        # the recent level fades into the day level over the horizon: a surge seen now is likelier to last an hour than all day
        fade = 0.5 ** ((start[start >= now_min].to_numpy(float) - now_min) / revert_minutes)
        near = rest["role"].map(lambda r: local.get(str(r), levels.get(str(r), (1.0, 0.0)))[0]).to_numpy(float)
        near_sd = rest["role"].map(lambda r: local.get(str(r), levels.get(str(r), (1.0, 0.0)))[1]).to_numpy(float)
        level = day_level + fade * (near - day_level)
        level_sd = np.sqrt((1 - fade) * level_sd**2 + fade * near_sd**2)
    mean = rest["mean"].to_numpy(float)
    rest["mean"] = mean * level
    prior_sd = 1.0 / math.sqrt(shape)
    for lv, z in Z.items():
        lo_col, hi_col = f"lo{lv}", f"hi{lv}"
        if lo_col not in rest or hi_col not in rest:
            continue
        below = _half_width(level * (mean - rest[lo_col].to_numpy(float)), z, level * mean, prior_sd, level_sd)
        above = _half_width(level * (rest[hi_col].to_numpy(float) - mean), z, level * mean, prior_sd, level_sd)
        rest[lo_col] = np.floor(np.maximum(rest["mean"] - below, 0.0))
        rest[hi_col] = np.ceil(rest["mean"] + above)
    rest["level"], rest["level_sd"] = level, level_sd
    return rest.reset_index(drop=True)
