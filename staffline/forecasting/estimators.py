"""Arrival forecast models behind one estimator interface.

Each model: ``fit(counts) -> self`` on the frame of :func:`slot_counts`
(``date, slot_start, role, tier, count``, open days only, zero-filled) and
``predict(dates, slots_by_date) -> date, slot_start, role, tier, mean, lo80,
hi80, lo95, hi95``. ``interval_method`` says where the intervals come from:
for every model, negative-binomial quantiles calibrated on its own backtest
residuals (:mod:`.calibration`); without a fold to calibrate on, Poisson
quantiles (poisson: its Pearson dispersion).

* ``naive`` - same slot on the latest open same weekday: the baseline every
  other model must beat (MASE is measured against it);
* ``profile`` - decayed weekday x slot mean of the last weeks;
* ``poisson`` - log-linear Poisson GLM per role and tier (weekday x slot cells,
  weekly trend, month-end and holiday-adjacent effects) fitted by IRLS with a
  small ridge;
* ``topdown`` - decayed daily totals per weekday times long-run intraday shares.

The day-level model (``daylevel``) lives in :mod:`.daylevel`; the registry of
all of them in :mod:`.base_models` and :mod:`.registry`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from staffline.forecasting.calibration import Calibration, Residuals, backtest_residuals
from staffline.forecasting.glm import ETA_CLIP, irls_poisson_cells, linear_predictor
from staffline.forecasting.intervals import add_intervals

KEYS = ["role", "tier"]
OUT_COLUMNS = ["date", "slot_start", "role", "tier", "mean", "lo80", "hi80", "lo95", "hi95"]


def _grid(dates: list[dt.date], slots_by_date: dict, series: pd.DataFrame) -> pd.DataFrame:
    """Every (date, open slot, role, tier) to predict."""
    rows = [(d, s) for d in dates for s in slots_by_date.get(d, [])]
    cells = pd.DataFrame(rows, columns=["date", "slot_start"])
    return cells.merge(series[KEYS].drop_duplicates(), how="cross")


def _weekday(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["date"]).dt.day_of_week


def _decay_weights(dates: pd.Series, origin: dt.date, half_life_weeks: float) -> np.ndarray:
    age_weeks = (pd.Timestamp(origin) - pd.to_datetime(dates)).dt.days.to_numpy() / 7
    return 0.5 ** (age_weeks / half_life_weeks)


def _decayed_mean(frame: pd.DataFrame, keys: list[str], origin: dt.date, half_life_weeks: float) -> pd.Series:
    """Mean of ``count`` per ``keys``, each row weighted by its age's decay (recent weeks count more)."""
    w = _decay_weights(frame["date"], origin, half_life_weeks)
    sums = frame.assign(w=w, wc=w * frame["count"]).groupby(keys)[["wc", "w"]].sum()
    return sums["wc"] / sums["w"]


class ForecastModel:
    name = "base"
    interval_method = "negative-binomial quantiles, extra variance fitted to the model's rolling-fold residuals"
    backtest_wape: float | None = None  # set by fit() only where fitting itself backtests (ensemble, auto)
    uses_calendar = False  # True: the constructor takes holiday_country and holidays (the branch's calendar)
    calibration: Calibration | None = None  # computed by the first predict() (see calibrate); fit() resets it

    def describe(self) -> str:
        """What forecasts, in words a planner reads in a report (a combination names its members)."""
        return self.name

    def fit(self, counts: pd.DataFrame) -> "ForecastModel":
        self.counts = counts.assign(date=pd.to_datetime(counts["date"]).dt.date)
        self.last_date = max(self.counts["date"])
        self.calibration = None
        return self

    def predict(self, dates: list[dt.date], slots_by_date: dict) -> pd.DataFrame:
        grid = self.predict_mean(dates, slots_by_date)
        return add_intervals(grid, self._dispersion(grid))[OUT_COLUMNS]

    def calibrate(self, residuals: Residuals | None = None) -> Calibration:
        """The interval calibration, from ``residuals`` if given (a fold bank already has them) or from a
        backtest of this model on its own history (``CALIBRATION_FOLDS`` refits; only intervals need it, so
        the mean-only backtests that rank models never pay for it)."""
        if residuals is None and self.calibration is not None:
            return self.calibration
        res = residuals if residuals is not None else backtest_residuals(self, self.counts)
        self.calibration = Calibration.fit(res)
        return self.calibration

    def _dispersion(self, grid: pd.DataFrame):
        calibration = self.calibrate()
        if not calibration.inverse_size:  # no fold to calibrate on: the model's own assumption
            return self._model_dispersion(grid)
        return calibration.dispersion(grid)

    def predict_mean(self, dates: list[dt.date], slots_by_date: dict) -> pd.DataFrame:
        """``date, slot_start, role, tier, mean`` without intervals: what backtests that rank models need
        (the interval quantiles cost more than most fits)."""
        grid = _grid(dates, slots_by_date, self.counts)
        grid["mean"] = np.maximum(self._mean(grid), 0.0)
        return grid

    def _model_dispersion(self, grid: pd.DataFrame):
        """Variance / mean without calibration (too little history for a fold): Poisson."""
        return 1.0

    def _mean(self, grid: pd.DataFrame) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class SeasonalNaive(ForecastModel):
    """Same slot, same weekday, latest open day in the history."""

    name = "naive"

    def _mean(self, grid):
        c = self.counts.assign(weekday=_weekday(self.counts))
        latest = c.groupby(["weekday", "role", "tier"])["date"].max().rename("latest").reset_index()
        last = c.merge(latest, on=["weekday", "role", "tier"])
        last = last[last["date"] == last["latest"]].set_index(["weekday", "slot_start", "role", "tier"])["count"]
        keys = pd.MultiIndex.from_arrays([_weekday(grid), grid["slot_start"], grid["role"], grid["tier"]])
        return last.reindex(keys).fillna(0.0).to_numpy(dtype=float)


class WeekdayProfile(ForecastModel):
    """Decayed mean per weekday x slot over the last ``weeks`` (closed days are absent, not zeros)."""

    name = "profile"

    def __init__(self, weeks: int = 8, half_life_weeks: float = 4.0):
        self.weeks, self.half_life_weeks = weeks, half_life_weeks

    def _mean(self, grid):
        c = self.counts[self.counts["date"] > self.last_date - dt.timedelta(weeks=self.weeks)]
        mean = _decayed_mean(c.assign(weekday=_weekday(c)), ["weekday", "slot_start", "role", "tier"], self.last_date, self.half_life_weeks)
        keys = pd.MultiIndex.from_arrays([_weekday(grid), grid["slot_start"], grid["role"], grid["tier"]])
        return mean.reindex(keys).fillna(0.0).to_numpy(dtype=float)


def calendar_features(dates: pd.Series, is_closed) -> pd.DataFrame:
    """Month-end (last two business days and the first) and next-to-a-closed-weekday flags.

    ``is_closed(date)`` says whether the branch was (or will be) closed that day.
    The flags are computed once per distinct date (a slot frame repeats each
    date once per slot) and mapped back to the rows.
    """
    d = pd.to_datetime(pd.Series(dates)).dt.normalize()
    days = pd.DatetimeIndex(d.unique())
    bday_left = [np.busday_count(x.date() + dt.timedelta(days=1), (x + pd.offsets.MonthEnd(0)).date() + dt.timedelta(days=1)) for x in days]
    first_bday = [np.busday_count(x.replace(day=1).date(), x.date()) == 0 for x in days]
    month_end = (np.array(bday_left, dtype=int) <= 1) | np.array(first_bday, dtype=bool)

    def closed_weekday(x):
        return x.weekday() < 5 and is_closed(x)

    adjacent = [closed_weekday(x.date() - dt.timedelta(days=1)) or closed_weekday(x.date() + dt.timedelta(days=1)) for x in days]
    per_day = pd.DataFrame({"month_end": month_end.astype(float), "holiday_adjacent": np.array(adjacent, dtype=float)}, index=days)
    return per_day.reindex(d.to_numpy()).reset_index(drop=True)


class PoissonRegression(ForecastModel):
    """log E[count] = weekday x slot cell + trend x weeks + month-end + holiday-adjacent, per role and tier."""

    name = "poisson"

    def __init__(self, weeks: int = 26, ridge: float = 1e-3):
        self.weeks, self.ridge = weeks, ridge

    def fit(self, counts):
        super().fit(counts)
        c = self.counts[self.counts["date"] > self.last_date - dt.timedelta(weeks=self.weeks)]
        self.open_dates = set(self.counts["date"])
        self.closed_ahead: set[dt.date] = set()
        seen = pd.DataFrame({"weekday": _weekday(c).to_numpy(), "slot_start": c["slot_start"].to_numpy()})
        self.cells = pd.MultiIndex.from_frame(seen.drop_duplicates().sort_values(["weekday", "slot_start"]))
        self.origin = self.last_date
        self.coef, self.phi = {}, {}
        cell, Z = self._design(c)
        counts_all = c["count"].to_numpy(dtype=float)
        for key, rows in c.groupby(KEYS).indices.items():
            y = counts_all[rows]
            if not y.any():  # no customers ever: forecast exactly zero, not exp(-20)
                continue
            a, b = irls_poisson_cells(cell[rows], Z[rows], y, len(self.cells) - 1, self.ridge)
            mu = np.exp(np.clip(linear_predictor(cell[rows], Z[rows], a, b), *ETA_CLIP))
            pearson = ((y - mu) ** 2 / np.maximum(mu, 1e-9)).sum() / max(len(y) - len(a) - len(b), 1)
            self.coef[key], self.phi[key] = (a, b), max(float(pearson), 1.0)
        return self

    def _design(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(cell index, dense covariates) of every row, computed for the whole frame at once.

        The cell is the row's weekday x slot (the first cell is the reference,
        -1, as is a cell never seen in training); the covariates are
        ``intercept, trend in weeks, month-end flag, holiday-adjacent flag``.
        """
        keys = pd.MultiIndex.from_arrays([_weekday(frame).to_numpy(), frame["slot_start"].to_numpy()])
        position = self.cells.get_indexer(keys)
        cell = np.where(position >= 1, position - 1, -1)
        weeks = ((pd.to_datetime(frame["date"]) - pd.Timestamp(self.origin)).dt.days.to_numpy() / 7).reshape(-1, 1)
        cal = calendar_features(frame["date"], self._is_closed).to_numpy()
        return cell, np.hstack([np.ones((len(frame), 1)), weeks, cal])

    def _is_closed(self, day: dt.date) -> bool:
        """Closed in the history (a weekday without tickets) or a forecast day without open slots."""
        if day <= self.last_date:
            return day not in self.open_dates
        return day in self.closed_ahead

    def predict_mean(self, dates, slots_by_date):
        self.closed_ahead = {d for d in dates if not slots_by_date.get(d)}
        return super().predict_mean(dates, slots_by_date)

    def _mean(self, grid):
        out = np.zeros(len(grid))
        cell, Z = self._design(grid)
        for key, rows in grid.groupby(KEYS).indices.items():
            coef = self.coef.get(key)
            if coef is not None:
                out[rows] = np.exp(np.clip(linear_predictor(cell[rows], Z[rows], *coef), *ETA_CLIP))
        return out

    def _model_dispersion(self, grid):
        return np.array([self.phi.get((r, t), 1.0) for r, t in zip(grid["role"], grid["tier"])])


class TopDown(ForecastModel):
    """Reactive daily level x stable intraday shape.

    The daily total per weekday is a decayed mean of the last ``level_weeks``
    (half-life ``half_life_weeks``), so a shift in volume shows quickly; each
    slot's share of the day is the plain mean over ``shape_weeks``, because
    the shape of a day (the 10-11 and 15-16 peaks) changes slowly and is
    noisy per slot. (With one window and one decay for both parts the product
    would equal the weekday profile exactly.)
    """

    name = "topdown"

    def __init__(self, level_weeks: int = 4, half_life_weeks: float = 2.0, shape_weeks: int = 26):
        self.level_weeks, self.half_life_weeks, self.shape_weeks = level_weeks, half_life_weeks, shape_weeks

    def _recent(self, weeks: int) -> pd.DataFrame:
        c = self.counts[self.counts["date"] > self.last_date - dt.timedelta(weeks=weeks)]
        return c.assign(weekday=_weekday(c))

    def _mean(self, grid):
        c = self._recent(self.level_weeks)
        daily = c.groupby(["date", "weekday", "role", "tier"])["count"].sum().reset_index()
        total = _decayed_mean(daily, ["weekday", "role", "tier"], self.last_date, self.half_life_weeks)
        t = total.reindex(pd.MultiIndex.from_arrays([_weekday(grid), grid["role"], grid["tier"]])).fillna(0.0).to_numpy()
        return t * intraday_shares(self._recent(self.shape_weeks), grid)


def intraday_shares(history: pd.DataFrame, grid: pd.DataFrame) -> np.ndarray:
    """Each ``grid`` row's slot share of its weekday's total (per role and tier), from the plain sums of ``history``.

    The intraday half of every day-level x intraday model (``topdown``,
    ``daylevel``): the shape of a day changes slowly and is noisy per slot, so
    it is a long undecayed mean. A weekday x slot never seen gets share 0.
    """
    shape = history.assign(weekday=_weekday(history)).groupby(["weekday", "slot_start", "role", "tier"])["count"].sum()
    share = shape / shape.groupby(level=["weekday", "role", "tier"]).transform("sum")
    keys = pd.MultiIndex.from_arrays([_weekday(grid), grid["slot_start"], grid["role"], grid["tier"]])
    return share.reindex(keys).fillna(0.0).to_numpy()
