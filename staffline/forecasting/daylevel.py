"""``daylevel``: daily totals from exponential smoothing with weekday factors, times an intraday profile.

Why (issue 31 item 3; Weinberg, Brown & Stroud 2007 on the same bank series):
with the true daily totals known, every model here would reach a 5-minute
WAPE of 0.062-0.065 on the bank series; what is left is the day's level. The
``topdown`` model estimates each weekday's total from that weekday alone
(4-8 values); here one level is shared by all weekdays and updated every day,
so a busy Monday already raises the forecast of the next week's Tuesday.

The daily total of each role and tier is a multiplicative exponential
smoothing model without trend, ETS(M,N,M) in form, with a weekday season:

    forecast  = level x season[weekday] x effect(day)
    level    <- alpha x y / (season x effect) + (1 - alpha) x level
    season   <- gamma x y / (level x effect) + (1 - gamma) x season

``alpha`` and ``gamma`` are chosen on a small grid by the week-ahead error
(each day forecast from the state at the start of its week, as the product
forecasts), not the one-day-ahead error of a textbook fit. Hand-written (40
lines) rather than statsmodels' ETS: that fit is the one-step likelihood of a
contiguous series, but here closed days are gaps and the calendar effects
below multiply the season, which neither statsmodels nor statsforecast
expresses; statsmodels is not a dependency and statsforecast only the optional
``bench`` extra.

Calendar effects: closed days are days without counts in the history and
days without open slots ahead (the product's branch closes public holidays
from ``holiday_country`` / ``holidays`` that way). The first open day after a
closed weekday and the last one before it carry a multiplier (on the bank
series the Tuesday after Labor Day had 36% more calls than a Tuesday);
with ``holiday_country`` or ``holidays``, so does an open public holiday.
Each multiplier is the ratio of actual to forecast totals on such days of the
history, shrunk towards 1 by one pseudo-day (a holiday comes 4-10 times a year).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffline.forecasting.estimators import KEYS, ForecastModel, intraday_shares

ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5)
GAMMAS = (0.0, 0.05, 0.1, 0.2)
DEFAULT_ALPHA, DEFAULT_GAMMA = 0.2, 0.05  # used before the grid search and when the history is too short for it
WARMUP_WEEKS = 4  # the first weeks initialise the level and season and are not scored
EFFECTS = ("after_closed", "before_closed", "open_holiday")
PSEUDO_DAYS = 1.0  # shrinkage of an effect's multiplier towards 1
EFFECT_RANGE = (0.5, 2.0)


@dataclass
class Smoothed:
    """One series' fitted state: the level and weekday season after the last day, the effects' multipliers."""

    level: float
    season: np.ndarray  # 7 factors, Monday first; 0 for a weekday never open
    effect: np.ndarray  # one multiplier per ``EFFECTS``
    alpha: float
    gamma: float

    def forecast(self, weekday: np.ndarray, flags: np.ndarray) -> np.ndarray:
        return self.level * self.season[weekday] * multiplier(flags, self.effect)


def multiplier(flags: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """Product of the multipliers of each day's effects (``flags``: days x effects, 0/1)."""
    return np.prod(np.where(flags > 0, effect, 1.0), axis=1)


def initial_state(y: np.ndarray, weekday: np.ndarray, week: np.ndarray) -> tuple[float, np.ndarray]:
    """Level and season from the first ``WARMUP_WEEKS`` weeks: their mean daily total and each weekday's ratio to it."""
    first = week < week[0] + WARMUP_WEEKS
    level = float(y[first].mean())
    season = np.zeros(7)
    for d in np.unique(weekday):
        on_d = first & (weekday == d)
        season[d] = (y[on_d].mean() if on_d.any() else y[weekday == d].mean()) / level if level > 0 else 0.0
    return level, season


def smooth(y, weekday, week, mult, alpha: float, gamma: float) -> tuple[np.ndarray, float, np.ndarray]:
    """Run the recursion over the days: (week-ahead forecast of each day, final level, final season)."""
    level, season = initial_state(y, weekday, week)
    f = np.empty(len(y))
    current, start_level, start_season = None, level, season.copy()
    for t in range(len(y)):
        if week[t] != current:  # a new week: its days are forecast from the state at its start
            current, start_level, start_season = week[t], level, season.copy()
        f[t] = start_level * start_season[weekday[t]] * mult[t]
        base = season[weekday[t]] * mult[t]
        if base <= 0 or level <= 0:
            continue
        new_level = alpha * y[t] / base + (1 - alpha) * level
        season[weekday[t]] = gamma * y[t] / (level * mult[t]) + (1 - gamma) * season[weekday[t]]
        level = new_level
    return f, level, season


def estimate_effects(y: np.ndarray, f: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Each effect's multiplier: actual / forecast totals on its days, shrunk towards 1 by ``PSEUDO_DAYS``."""
    out = np.ones(flags.shape[1])
    for k in range(flags.shape[1]):
        on = flags[:, k] > 0
        if on.any() and f[on].sum() > 0:
            pseudo = PSEUDO_DAYS * f[on].mean()
            out[k] = np.clip((y[on].sum() + pseudo) / (f[on].sum() + pseudo), *EFFECT_RANGE)
    return out


def fit_series(y: np.ndarray, weekday: np.ndarray, week: np.ndarray, flags: np.ndarray) -> Smoothed:
    """Effects from a default-parameter pass, then ``alpha`` x ``gamma`` by the week-ahead absolute error after the warm-up."""
    f, _, _ = smooth(y, weekday, week, np.ones(len(y)), DEFAULT_ALPHA, DEFAULT_GAMMA)
    scored = week >= week[0] + WARMUP_WEEKS
    effect = estimate_effects(y[scored], f[scored], flags[scored]) if scored.any() else np.ones(flags.shape[1])
    mult = multiplier(flags, effect)
    grid = [(a, g) for a in ALPHAS for g in GAMMAS] if scored.any() else [(DEFAULT_ALPHA, DEFAULT_GAMMA)]
    best = None
    for alpha, gamma in grid:
        f, level, season = smooth(y, weekday, week, mult, alpha, gamma)
        error = float(np.abs(y - f)[scored].sum())
        if best is None or error < best[0] - 1e-9:
            best = (error, Smoothed(level, season, effect, alpha, gamma))
    assert best is not None
    return best[1]


@functools.lru_cache(maxsize=64)
def country_calendar(country: str, year: int):
    """A country's public holidays of ``year``, built once per process (a backtest makes a model per fold)."""
    import holidays

    return holidays.country_holidays(country, years=year)


class DayLevel(ForecastModel):
    """Smoothed daily total per role and tier x the weekday's intraday shares over ``shape_weeks``.

    After ``fit``: ``series`` maps (role, tier) to its :class:`Smoothed` state
    (level, season, effect multipliers, chosen alpha and gamma).
    """

    name = "daylevel"
    uses_calendar = True

    def __init__(self, shape_weeks: int = 26, holiday_country: str | None = None, holidays: tuple[dt.date, ...] = ()):
        self.shape_weeks, self.holiday_country, self.holidays = shape_weeks, holiday_country, tuple(holidays)

    def fit(self, counts: pd.DataFrame) -> "DayLevel":
        super().fit(counts)
        self.open_dates = set(self.counts["date"])
        self.first_date = min(self.open_dates)
        self.open_weekdays = {d.weekday() for d in self.open_dates}
        self.closed_ahead: set[dt.date] = set()
        self.forecast_dates: set[dt.date] = set()
        daily = self.counts.groupby([*KEYS, "date"])["count"].sum()
        days = sorted(self.open_dates)
        weekday = np.array([d.weekday() for d in days])
        week = np.array([(d.toordinal() - d.weekday()) // 7 for d in days])
        flags = self.flags(days)
        self.series = {}
        for key, part in daily.groupby(level=KEYS):
            y = part.droplevel(KEYS).reindex(days, fill_value=0).to_numpy(float)
            self.series[key] = fit_series(y, weekday, week, flags)
        return self

    # ----- the calendar

    def is_holiday(self, day: dt.date) -> bool:
        if day in self.holidays:
            return True
        if not self.holiday_country:
            return False
        return day in country_calendar(self.holiday_country, day.year)

    def is_closed(self, day: dt.date) -> bool:
        """Closed on a normally open weekday: no counts in the history, no open slots ahead (or a holiday beyond the forecast)."""
        if day.weekday() not in self.open_weekdays or day < self.first_date:
            return False
        if day <= self.last_date:
            return day not in self.open_dates
        return day in self.closed_ahead or (day not in self.forecast_dates and self.is_holiday(day))

    def _next_closed(self, day: dt.date) -> bool:
        """Whether the next normally open weekday after ``day`` is closed."""
        for k in range(1, 8):
            other = day + dt.timedelta(days=k)
            if other.weekday() in self.open_weekdays:
                return self.is_closed(other)
        return False

    def flags(self, days: list[dt.date]) -> np.ndarray:
        """Days x ``EFFECTS`` 0/1 matrix.

        ``after_closed`` needs the closed day right before (the Tuesday after a
        closed Monday): a Monday after a closed Friday already has the weekend's
        catch-up in its weekday factor (on the bank series: +4% there, +20-36% on
        the Tuesdays). ``before_closed`` looks at the next normally open weekday
        (the Friday before a closed Monday is busier too).
        """
        rows = [[self.is_closed(d - dt.timedelta(days=1)), self._next_closed(d), self.is_holiday(d)] for d in days]
        return np.array(rows, dtype=float).reshape(len(days), len(EFFECTS))

    # ----- forecasting

    def predict_mean(self, dates, slots_by_date):
        self.forecast_dates = set(dates)
        self.closed_ahead = {d for d in dates if not slots_by_date.get(d)}
        return super().predict_mean(dates, slots_by_date)

    def daily_forecast(self, dates: list[dt.date]) -> pd.Series:
        """Forecast total per (role, tier, date) for open ``dates``."""
        weekday = np.array([d.weekday() for d in dates], dtype=int)
        flags = self.flags(dates)
        parts = {key: pd.Series(state.forecast(weekday, flags), index=dates) for key, state in self.series.items()}
        return pd.concat(parts, names=[*KEYS, "date"]) if parts else pd.Series(dtype=float)

    def _mean(self, grid):
        dates = sorted(grid["date"].unique())
        total = self.daily_forecast(dates)
        keys = pd.MultiIndex.from_arrays([grid["role"], grid["tier"], grid["date"]])
        t = total.reindex(keys).fillna(0.0).to_numpy()
        recent = self.counts[self.counts["date"] > self.last_date - dt.timedelta(weeks=self.shape_weeks)]
        return t * intraday_shares(recent, grid)
