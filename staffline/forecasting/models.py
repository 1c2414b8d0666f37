"""Arrival-count forecasting models behind one estimator-style interface.

Every model is fitted on a :func:`~staffline.forecasting.baseline.slot_counts`
frame (``date, slot_start, role, tier, count``; one row per open slot, closed
days absent) and predicts a frame

    ``date, slot_start, role, tier, mean, lo80, hi80, lo95, hi95``

for the requested dates and their open slots (``slots_by_date[day]``; a date
that is missing or maps to an empty list is closed and gets no rows). Series
(role x tier pairs) are the ones seen in the training counts.

Counts per 15-minute slot are small (mostly 0-15), so intervals are integer
quantiles of Poisson or negative-binomial (NB2: variance ``mu + alpha mu^2``)
predictive distributions, never a normal approximation. The quantiles are
computed with numpy only (cumulative pmf from a log-space recursion), so scipy
is not required. A discrete interval ``[q(a/2), q(1-a/2)]`` covers *at least*
its nominal share when the model is right, more so for tiny means (a mean-0.05
slot gets ``[0, 0]`` or ``[0, 1]``).

Models (``MODELS`` maps ``name`` to class):

* ``naive``   - :class:`SeasonalNaive`
* ``profile`` - :class:`WeekdayProfile`
* ``poisson`` - :class:`PoissonRegression`
* ``topdown`` - :class:`TopDown`
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

KEYS = ["date", "slot_start", "role", "tier"]
OUT_COLUMNS = KEYS + ["mean", "lo80", "hi80", "lo95", "hi95"]
LEVELS = (("80", 0.80), ("95", 0.95))


# ----------------------------------------------------------------------------
# Count quantiles (numpy only)
# ----------------------------------------------------------------------------


def count_quantiles(mu: np.ndarray, alpha: np.ndarray | float, probs: Sequence[float], chunk: int = 20000) -> np.ndarray:
    """Quantiles ``q_p = min{k : F(k) >= p}`` of Poisson / NB2 counts.

    ``mu`` is the mean, ``alpha`` the NB2 dispersion (variance ``mu + alpha
    mu^2``; ``alpha <= 1e-9`` means Poisson). Returns an array of shape
    ``(len(mu), len(probs))``. The pmf is built by the recursion
    ``p(k) = p(k-1) * (k-1+r)/k * mu/(r+mu)`` with ``r = 1/alpha`` (Poisson:
    ``p(k) = p(k-1) * mu/k``), summed in log space.
    """
    mu = np.clip(np.asarray(mu, dtype=float).ravel(), 0.0, None)
    alpha = np.clip(np.broadcast_to(np.asarray(alpha, dtype=float), mu.shape).ravel(), 0.0, None)
    probs = np.asarray(probs, dtype=float)
    out = np.zeros((len(mu), len(probs)))
    for lo in range(0, len(mu), chunk):
        out[lo : lo + chunk] = _count_quantiles_block(mu[lo : lo + chunk], alpha[lo : lo + chunk], probs)
    return out


def _count_quantiles_block(mu: np.ndarray, alpha: np.ndarray, probs: np.ndarray) -> np.ndarray:
    if len(mu) == 0:
        return np.zeros((0, len(probs)))
    var = mu + alpha * mu**2
    kmax = int(np.ceil(np.max(mu + 12.0 * np.sqrt(var)) + 12))
    kmax = min(max(kmax, 16), 100_000)
    k = np.arange(1, kmax + 1, dtype=float)
    nb = alpha > 1e-9
    r = np.where(nb, 1.0 / np.where(nb, alpha, 1.0), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logmu = np.log(mu)
        logp0 = np.where(nb, r * (np.log(r) - np.log(r + mu)), -mu)
        logp0 = np.where(mu == 0, 0.0, logp0)
        pois_step = logmu[:, None] - np.log(k)[None, :]
        nb_step = np.log(k[None, :] - 1 + r[:, None]) - np.log(k)[None, :] + (logmu - np.log(r + mu))[:, None]
        step = np.where(nb[:, None], nb_step, pois_step)
        step = np.where((mu == 0)[:, None], -np.inf, step)
        logpmf = np.concatenate([logp0[:, None], logp0[:, None] + np.cumsum(step, axis=1)], axis=1)
        cdf = np.cumsum(np.exp(logpmf), axis=1)
    out = np.empty((len(mu), len(probs)))
    for j, p in enumerate(probs):
        hit = cdf >= p - 1e-12
        q = np.argmax(hit, axis=1).astype(float)
        q[~hit.any(axis=1)] = kmax
        out[:, j] = q
    return out


def add_count_intervals(frame: pd.DataFrame, alpha: np.ndarray | float) -> pd.DataFrame:
    """Copy of a frame with ``mean`` plus ``lo80, hi80, lo95, hi95`` (NB2 quantiles with ``alpha``)."""
    probs = []
    for _, level in LEVELS:
        probs += [(1 - level) / 2, 1 - (1 - level) / 2]
    q = count_quantiles(frame["mean"].to_numpy(), alpha, probs)
    frame = frame.copy()
    for j, (name, _) in enumerate(LEVELS):
        frame[f"lo{name}"] = q[:, 2 * j]
        frame[f"hi{name}"] = q[:, 2 * j + 1]
    return frame


def pearson_alpha(y: np.ndarray, mu: np.ndarray, dof: float, max_alpha: float = 20.0) -> float:
    """NB2 dispersion from Pearson residuals: solve ``sum (y-mu)^2/(mu+a mu^2) = dof``.

    Returns 0 when the Poisson Pearson statistic is already at or below
    ``dof`` (no over-dispersion); otherwise the root is found by bisection
    (the left side decreases in ``a``).
    """
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    keep = mu > 1e-9
    y, mu = y[keep], mu[keep]
    if len(y) == 0 or dof <= 0:
        return 0.0
    r2 = (y - mu) ** 2

    def stat(a: float) -> float:
        return float(np.sum(r2 / (mu + a * mu**2)))

    if stat(0.0) <= dof:
        return 0.0
    if stat(max_alpha) >= dof:
        return max_alpha
    lo, hi = 0.0, max_alpha
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if stat(mid) > dof:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# ----------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------


def _as_date(x) -> dt.date:
    if isinstance(x, (pd.Timestamp, dt.datetime)):
        return x.date()
    return x


def _prepare(counts: pd.DataFrame) -> pd.DataFrame:
    """Copy of the counts with ``date`` as ``datetime.date`` plus ``ts`` and ``weekday``."""
    missing = set(KEYS + ["count"]) - set(counts.columns)
    if missing:
        raise ValueError(f"counts frame lacks columns {sorted(missing)}")
    if len(counts) == 0:
        raise ValueError("counts frame is empty: nothing to fit")
    c = counts[KEYS + ["count"]].copy()
    c["ts"] = pd.to_datetime(c["date"])
    c["date"] = c["ts"].dt.date
    c["weekday"] = c["ts"].dt.day_of_week
    c["count"] = c["count"].astype(float)
    return c.reset_index(drop=True)


def _series(c: pd.DataFrame) -> list[tuple[str, str]]:
    return [tuple(x) for x in c[["role", "tier"]].drop_duplicates().itertuples(index=False, name=None)]


def _target_grid(dates: Iterable[dt.date], slots_by_date: Mapping[dt.date, Sequence], series: list[tuple[str, str]]) -> pd.DataFrame:
    """Rows ``date, slot_start, role, tier`` (+ ``ts, weekday``) for every open slot and series."""
    lookup = {_as_date(k): v for k, v in slots_by_date.items()}
    rows = []
    for day in dates:
        day = _as_date(day)
        for s in lookup.get(day) or []:
            s = s if isinstance(s, str) else f"{s:%H:%M}"
            for role, tier in series:
                rows.append((day, s, role, tier))
    g = pd.DataFrame(rows, columns=KEYS)
    g["ts"] = pd.to_datetime(g["date"])
    g["weekday"] = g["ts"].dt.day_of_week
    return g


def _last_open_weeks(c: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """Rows of the last ``weeks`` open dates of each weekday (closed days are absent, so skipped)."""
    dates = c[["date", "weekday"]].drop_duplicates()
    dates = dates.assign(rank=dates.groupby("weekday")["date"].rank(method="first", ascending=False))
    keep = set(dates.loc[dates["rank"] <= weeks, "date"])
    return c[c["date"].isin(keep)]


def _decay(c: pd.DataFrame, origin: pd.Timestamp, half_life_weeks: float | None) -> np.ndarray:
    if not half_life_weeks or not np.isfinite(half_life_weeks):
        return np.ones(len(c))
    age = (origin - c["ts"]).dt.days.to_numpy() / 7.0
    return 0.5 ** (age / half_life_weeks)


def _weighted_cells(c: pd.DataFrame, by: list[str], value: str = "count") -> pd.DataFrame:
    """Decayed mean per cell plus the weight statistics an interval needs.

    Columns: ``mean`` (sum w y / sum w), ``n`` and ``c`` = sum w^2 / (sum w)^2,
    the variance of the weighted mean relative to one observation's variance.
    """
    g = c.assign(wy=c["w"] * c[value], w2=c["w"] ** 2).groupby(by)
    agg = g.agg(wy=("wy", "sum"), w=("w", "sum"), w2=("w2", "sum"), n=("w", "size"))
    agg["mean"] = agg["wy"] / agg["w"]
    agg["c"] = agg["w2"] / agg["w"] ** 2
    return agg[["mean", "n", "c"]]


def _residual_alpha(c: pd.DataFrame, cells: pd.DataFrame, by: list[str], value: str = "count") -> dict[tuple[str, str], float]:
    """Pearson NB2 dispersion per role x tier of observations around their cell's decayed mean.

    The in-sample residual of a weighted mean has expected square
    ``sigma^2 (1 - 2 w_i/W + sum w^2/W^2)``, so a cell of ``n`` observations
    contributes ``n - 2 + n c`` degrees of freedom (``n - 1`` for equal weights).
    """
    m = c.join(cells, on=by)
    out = {}
    for (role, tier), part in m.groupby(["role", "tier"]):
        cell = part.groupby(by)[["n", "c"]].first()
        dof = float(np.sum(cell["n"] - 2 + cell["n"] * cell["c"]))
        out[(role, tier)] = pearson_alpha(part[value].to_numpy(), part["mean"].to_numpy(), dof)
    return out


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) == 0:
        return pd.DataFrame(columns=OUT_COLUMNS)
    out = frame[OUT_COLUMNS].copy()
    out["mean"] = out["mean"].astype(float).clip(lower=0.0)
    return out.sort_values(KEYS).reset_index(drop=True)


class _Calendar:
    """Business days as far as the counts (and the prediction request) reveal them.

    Regular open weekdays are those seen in the training counts; a regular
    weekday inside the training range without counts is a holiday closure, as
    is a requested date with no open slots. A date nobody said anything about
    is open iff its weekday is a regular open weekday.
    """

    def __init__(self, dates: Iterable[dt.date]):
        dates = sorted(set(dates))
        self.open_weekdays = {d.weekday() for d in dates}
        self.opened: set[dt.date] = set(dates)
        self.closed: set[dt.date] = set()
        if dates:
            day = dates[0]
            while day <= dates[-1]:
                if day.weekday() in self.open_weekdays and day not in self.opened:
                    self.closed.add(day)
                day += dt.timedelta(days=1)

    def with_request(self, slots_by_date: Mapping[dt.date, Sequence]) -> "_Calendar":
        cal = _Calendar([])
        cal.open_weekdays = set(self.open_weekdays)
        cal.opened, cal.closed = set(self.opened), set(self.closed)
        for day, slots in slots_by_date.items():
            day = _as_date(day)
            if slots:
                cal.opened.add(day)
                cal.closed.discard(day)
            else:
                cal.closed.add(day)
                cal.opened.discard(day)
        return cal

    def is_open(self, day: dt.date) -> bool:
        if day in self.opened:
            return True
        if day in self.closed:
            return False
        return day.weekday() in self.open_weekdays

    def is_holiday(self, day: dt.date) -> bool:
        """Closed although its weekday is normally open."""
        return day.weekday() in self.open_weekdays and not self.is_open(day)

    def _neighbour(self, day: dt.date, step: int) -> dt.date | None:
        """Next (step=+1) / previous (-1) date on a regular open weekday."""
        if not self.open_weekdays:
            return None
        d = day + dt.timedelta(days=step)
        while d.weekday() not in self.open_weekdays:
            d += dt.timedelta(days=step)
        return d

    def features(self, day: dt.date) -> tuple[float, float, float, float]:
        """``month_end, month_start, pre_holiday, post_holiday`` flags of a day."""
        first = day.replace(day=1)
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        ends, d = [], nxt - dt.timedelta(days=1)
        while d >= first and len(ends) < 2:  # last two business days of the month
            if self.is_open(d):
                ends.append(d)
            d -= dt.timedelta(days=1)
        start, d = None, first
        while d < nxt:  # first business day of the month
            if self.is_open(d):
                start = d
                break
            d += dt.timedelta(days=1)
        after, before = self._neighbour(day, 1), self._neighbour(day, -1)
        return (
            float(day in ends),
            float(day == start),
            float(after is not None and self.is_holiday(after)),
            float(before is not None and self.is_holiday(before)),
        )


# ----------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------


class ForecastModel:
    """Estimator interface: ``fit(counts) -> self``, ``predict(dates, slots_by_date) -> frame``."""

    name = ""
    interval_method = ""

    def fit(self, counts: pd.DataFrame) -> "ForecastModel":  # pragma: no cover - interface
        raise NotImplementedError

    def predict(self, dates: list[dt.date], slots_by_date: dict[dt.date, list[str]]) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "series_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit(counts) first")

    def __repr__(self) -> str:
        params = {k: v for k, v in vars(self).items() if not k.endswith("_")}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())})"


class SeasonalNaive(ForecastModel):
    """Same slot, same weekday, last week.

    The forecast for a date is the count of the same slot on the most recent
    training date of the same weekday at least 7 days earlier; as closed days
    have no counts, a closed "last week" falls back to the most recent open
    same weekday. A slot not open on that day falls back to the next older
    same weekday that had it (0 if none).

    Intervals are empirical: quantiles of the seasonal-naive errors
    ``y_t - y_{t-1 week}`` over the last ``error_weeks`` weeks of training,
    per role x tier and bucket of the lagged count (0, 1-2, 3-5, 6-10, 11+;
    pooled over the series when a bucket has fewer than 30 errors), added to
    the forecast and clipped at 0.
    """

    name = "naive"
    interval_method = "empirical quantiles of weekly seasonal-naive errors per role x tier and lag-count bucket"
    BUCKETS = (0, 1, 3, 6, 11)

    def __init__(self, error_weeks: int = 8):
        self.error_weeks = error_weeks

    def fit(self, counts: pd.DataFrame) -> "SeasonalNaive":
        c = _prepare(counts)
        self.series_ = _series(c)
        self.by_date_ = {d: part.set_index(["slot_start", "role", "tier"])["count"] for d, part in c.groupby("date")}
        self.dates_by_weekday_ = {w: sorted(part.unique()) for w, part in c.groupby("weekday")["date"]}
        self._fit_errors(c)
        return self

    def _lag_dates(self, day: dt.date) -> list[dt.date]:
        """Training dates of the weekday of ``day``, at least 7 days earlier, newest first."""
        limit = day - dt.timedelta(days=7)
        return [d for d in reversed(self.dates_by_weekday_.get(day.weekday(), [])) if d <= limit]

    def _bucket(self, lag: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.array(self.BUCKETS), lag, side="right") - 1

    def _fit_errors(self, c: pd.DataFrame) -> None:
        last = c["date"].max()
        recent = sorted(d for d in self.by_date_ if d > last - dt.timedelta(weeks=self.error_weeks))
        frames = []
        for d in recent:
            lags = self._lag_dates(d)
            if not lags:
                continue
            y = self.by_date_[d]
            ylag = self.by_date_[lags[0]].reindex(y.index)
            ok = ylag.notna().to_numpy()
            frames.append(
                pd.DataFrame(
                    {
                        "lag": ylag.to_numpy()[ok],
                        "err": (y.to_numpy() - ylag.to_numpy())[ok],
                        "role": y.index.get_level_values("role")[ok],
                        "tier": y.index.get_level_values("tier")[ok],
                    }
                )
            )
        err = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"lag": [], "err": [], "role": [], "tier": []})
        err["bucket"] = self._bucket(err["lag"].to_numpy(dtype=float))
        qs: dict[tuple, tuple[float, float, float, float]] = {}
        for key, part in err.groupby(["role", "tier", "bucket"]):
            if len(part) >= 30:
                qs[key] = self._quantiles(part["err"].to_numpy(dtype=float))
        for b, part in err.groupby("bucket"):
            if len(part) >= 10:
                qs[("*", "*", b)] = self._quantiles(part["err"].to_numpy(dtype=float))
        self.error_quantiles_ = qs

    @staticmethod
    def _quantiles(err: np.ndarray) -> tuple[float, float, float, float]:
        return (
            float(np.quantile(err, 0.10, method="lower")),
            float(np.quantile(err, 0.90, method="higher")),
            float(np.quantile(err, 0.025, method="lower")),
            float(np.quantile(err, 0.975, method="higher")),
        )

    def predict(self, dates: list[dt.date], slots_by_date: dict[dt.date, list[str]]) -> pd.DataFrame:
        self._check_fitted()
        grid = _target_grid(dates, slots_by_date, self.series_)
        if len(grid) == 0:
            return _finish(grid)
        means = np.zeros(len(grid))
        for day, idx in grid.groupby("date").groups.items():
            pos = grid.index.get_indexer(idx)
            keys = pd.MultiIndex.from_frame(grid.loc[idx, ["slot_start", "role", "tier"]])
            vals = pd.Series(np.nan, index=keys)
            for lag in self._lag_dates(day):
                vals = vals.fillna(self.by_date_[lag].reindex(keys))
                if not vals.isna().any():
                    break
            means[pos] = vals.fillna(0.0).to_numpy()
        grid["mean"] = means
        bucket = self._bucket(means)
        bounds = np.zeros((len(grid), 4))
        for (role, tier, b), idx in grid.assign(bucket=bucket).groupby(["role", "tier", "bucket"]).groups.items():
            pos = grid.index.get_indexer(idx)
            q = self.error_quantiles_.get((role, tier, b)) or self.error_quantiles_.get(("*", "*", b))
            m = means[pos]
            if q is None:  # no error history: Poisson around the last value
                bounds[pos] = count_quantiles(np.maximum(m, 0.5), 0.0, [0.1, 0.9, 0.025, 0.975])
            else:
                bounds[pos] = m[:, None] + np.array(q)[None, :]
        bounds = np.maximum(bounds, 0.0)
        grid["lo80"], grid["hi80"], grid["lo95"], grid["hi95"] = bounds.T
        return _finish(grid)


class WeekdayProfile(ForecastModel):
    """Decayed weekday x slot x role x tier mean of the last ``weeks`` open same weekdays.

    Weights halve every ``half_life_weeks`` of age (counted back from the day
    after the training data); closed days are skipped, not counted as zeros.
    A slot with no history on its weekday falls back to the slot's decayed
    mean over all weekdays (0 if none).

    Intervals: NB2 quantiles whose dispersion ``alpha`` is estimated per
    role x tier from Pearson residuals of the training weeks around their
    cell means (0 = Poisson), inflated by the sampling variance of the decayed
    mean (``sum w^2 / (sum w)^2`` times one observation's variance).
    """

    name = "profile"
    interval_method = "negative binomial: Pearson-residual dispersion per role x tier + decayed-mean sampling variance"

    def __init__(self, weeks: int = 8, half_life_weeks: float = 4.0):
        self.weeks = weeks
        self.half_life_weeks = half_life_weeks

    def fit(self, counts: pd.DataFrame) -> "WeekdayProfile":
        c = _prepare(counts)
        self.series_ = _series(c)
        origin = c["ts"].max() + pd.Timedelta(days=1)
        c = _last_open_weeks(c, self.weeks)
        c = c.assign(w=_decay(c, origin, self.half_life_weeks))
        by = ["weekday", "slot_start", "role", "tier"]
        self.cells_ = _weighted_cells(c, by)
        self.pooled_ = _weighted_cells(c, ["slot_start", "role", "tier"])
        self.alpha_ = _residual_alpha(c, self.cells_, by)
        return self

    def predict(self, dates: list[dt.date], slots_by_date: dict[dt.date, list[str]]) -> pd.DataFrame:
        self._check_fitted()
        grid = _target_grid(dates, slots_by_date, self.series_)
        if len(grid) == 0:
            return _finish(grid)
        g = grid.join(self.cells_, on=["weekday", "slot_start", "role", "tier"])
        pooled = grid.join(self.pooled_, on=["slot_start", "role", "tier"])
        miss = g["mean"].isna()
        for col in ("mean", "n", "c"):
            g.loc[miss, col] = pooled.loc[miss, col]
        m = g["mean"].fillna(0.0).to_numpy()
        cfac = g["c"].fillna(1.0).to_numpy()
        g["mean"] = m
        a = np.array([self.alpha_.get((r, t), 0.0) for r, t in zip(g["role"], g["tier"])])
        with np.errstate(divide="ignore", invalid="ignore"):
            a_eff = np.where(m > 0, a * (1 + cfac) + cfac / m, 0.0)
        return _finish(add_count_intervals(g, a_eff))


class TopDown(ForecastModel):
    """Daily total per role x tier times an intraday share profile.

    The daily total is the decayed mean (``weeks``, ``half_life_weeks``) of the
    day totals of the last open same weekdays. The share of each slot is the
    role's decayed ratio of slot counts to day totals over a longer window
    (``share_weeks``, ``share_half_life_weeks``), per weekday and pooled over
    tiers (VIP and regular walk-ins share an intraday shape, and the sparse
    VIP series would give noisy shares). Shares are not renormalised over the
    requested slots, so a shortened day gets a smaller total.

    Intervals: the day total is NB2 with dispersion from the Pearson residuals
    of the daily totals plus the sampling variance of their decayed mean;
    thinning a day total by share ``p`` keeps the NB2 dispersion
    (``Var = p mu + p^2 (V - mu)``), so each slot gets NB2 quantiles with the
    day total's dispersion.
    """

    name = "topdown"
    interval_method = "negative binomial: day-total Pearson dispersion + sampling variance, thinned by intraday share"

    def __init__(self, weeks: int = 8, half_life_weeks: float = 4.0, share_weeks: int = 16, share_half_life_weeks: float = 8.0):
        self.weeks = weeks
        self.half_life_weeks = half_life_weeks
        self.share_weeks = share_weeks
        self.share_half_life_weeks = share_half_life_weeks

    def fit(self, counts: pd.DataFrame) -> "TopDown":
        c = _prepare(counts)
        self.series_ = _series(c)
        origin = c["ts"].max() + pd.Timedelta(days=1)
        totals = c.groupby(["date", "ts", "weekday", "role", "tier"], as_index=False)["count"].sum()
        t = _last_open_weeks(totals, self.weeks)
        t = t.assign(w=_decay(t, origin, self.half_life_weeks))
        by = ["weekday", "role", "tier"]
        self.totals_ = _weighted_cells(t, by)
        self.totals_pooled_ = _weighted_cells(t, ["role", "tier"])
        self.alpha_ = _residual_alpha(t, self.totals_, by)

        s = _last_open_weeks(c, self.share_weeks)
        s = s.assign(w=_decay(s, origin, self.share_half_life_weeks))
        s = s.assign(wy=s["w"] * s["count"])
        num = s.groupby(["weekday", "slot_start", "role"])["wy"].sum()
        den = s.groupby(["weekday", "role"])["wy"].sum()
        self.shares_ = (num / den.reindex(num.index.droplevel("slot_start")).to_numpy()).fillna(0.0).rename("share")
        # fallback for a slot never seen on its weekday: its share over all weekdays
        pnum = s.groupby(["slot_start", "role"])["wy"].sum()
        pden = s.groupby(["role"])["wy"].sum()
        self.pooled_shares_ = (pnum / pden.reindex(pnum.index.get_level_values("role")).to_numpy()).fillna(0.0).rename("pshare")
        return self

    def predict(self, dates: list[dt.date], slots_by_date: dict[dt.date, list[str]]) -> pd.DataFrame:
        self._check_fitted()
        grid = _target_grid(dates, slots_by_date, self.series_)
        if len(grid) == 0:
            return _finish(grid)
        g = grid.join(self.totals_, on=["weekday", "role", "tier"])
        pooled = grid.join(self.totals_pooled_, on=["role", "tier"])
        miss = g["mean"].isna()
        for col in ("mean", "n", "c"):
            g.loc[miss, col] = pooled.loc[miss, col]
        total = g["mean"].fillna(0.0).to_numpy()
        cfac = g["c"].fillna(1.0).to_numpy()
        share = grid.join(self.shares_, on=["weekday", "slot_start", "role"])["share"]
        pshare = grid.join(self.pooled_shares_, on=["slot_start", "role"])["pshare"]
        share = share.fillna(pshare).fillna(0.0).to_numpy()
        g["mean"] = total * share
        a = np.array([self.alpha_.get((r, t), 0.0) for r, t in zip(g["role"], g["tier"])])
        with np.errstate(divide="ignore", invalid="ignore"):
            a_eff = np.where(total > 0, a * (1 + cfac) + cfac / total, 0.0)
        return _finish(add_count_intervals(g, a_eff))


class PoissonRegression(ForecastModel):
    """Log-linear Poisson GLM per role x tier, fitted by IRLS (numpy) with a small ridge.

    ``log E[y] = b0 + weekday + slot + weekday x hour (or weekday x slot)
    + trend * weeks + month_end + month_start + pre_holiday + post_holiday``

    * ``interaction="hour"`` (default) adds weekday x hour-of-day one-hots to
      the weekday and slot main effects; ``"slot"`` uses the full weekday x
      slot interaction.
    * ``trend`` is linear in weeks, counted from the day after the training
      data (so it extrapolates on the log scale).
    * ``month_end`` marks the last 2 business days of a month and
      ``month_start`` the first business day (separate coefficients);
      ``pre_holiday`` / ``post_holiday`` mark the business day before / after
      a holiday closure (a regular weekday without counts, or a requested
      date with no open slots). Business days are inferred from the counts.
    * IRLS solves ``(X'WX + ridge P) b = X'W z`` (``P`` = identity without the
      intercept) until the deviance settles; an all-zero series predicts 0.
    * ``weeks`` limits the training window (None = all history).

    Intervals: negative binomial (NB2) quantiles; the dispersion ``alpha`` is
    estimated from Pearson residuals (solve ``sum (y-mu)^2/(mu + alpha mu^2)
    = n - edf``, edf = trace of the ridge hat matrix; 0 = Poisson) and is
    inflated by the delta-method variance of the fitted log-mean
    (``x' (X'WX + ridge P)^-1 x``), which grows with trend extrapolation.
    """

    name = "poisson"
    interval_method = "negative binomial: dispersion from Pearson residuals + delta-method parameter variance"
    CALENDAR = ("month_end", "month_start", "pre_holiday", "post_holiday")

    def __init__(self, interaction: str = "hour", ridge: float = 1.0, trend: bool = True, weeks: int | None = None, max_iter: int = 50, tol: float = 1e-9):
        if interaction not in ("hour", "slot"):
            raise ValueError("interaction must be 'hour' or 'slot'")
        self.interaction = interaction
        self.ridge = ridge
        self.trend = trend
        self.weeks = weeks
        self.max_iter = max_iter
        self.tol = tol

    # -- design -----------------------------------------------------------
    def _inter_key(self, slot: str) -> str:
        return slot[:2] if self.interaction == "hour" else slot

    def _columns(self, rows: pd.DataFrame) -> list[tuple]:
        wds = sorted(rows["weekday"].unique())
        slots = sorted(rows["slot_start"].unique())
        cols: list[tuple] = [("intercept",)]
        cols += [("wd", w) for w in wds[1:]]
        cols += [("slot", s) for s in slots[1:]]
        pairs = sorted({(w, self._inter_key(s)) for w, s in zip(rows["weekday"], rows["slot_start"])})
        first = {w: min(k for ww, k in pairs if ww == w) for w in wds}
        cols += [("wdx", w, k) for w, k in pairs if w != wds[0] and k != first[w]]
        if self.trend:
            cols.append(("trend",))
        cols += [(nm,) for nm in self.CALENDAR]
        return cols

    def _design(self, frame: pd.DataFrame, cal: _Calendar) -> np.ndarray:
        """Design matrix of rows with ``date, ts, weekday, slot_start``."""
        n = len(frame)
        col = self.col_index_
        X = np.zeros((n, len(self.columns_)))
        X[:, 0] = 1.0
        rows = np.arange(n)
        wd = frame["weekday"].to_numpy()
        slot = frame["slot_start"].to_numpy()
        for keys in (
            [("wd", w) for w in wd],
            [("slot", s) for s in slot],
            [("wdx", w, self._inter_key(s)) for w, s in zip(wd, slot)],
        ):
            j = np.array([col.get(k, -1) for k in keys], dtype=int)
            ok = j >= 0
            X[rows[ok], j[ok]] = 1.0
        if self.trend:
            X[:, col[("trend",)]] = (frame["ts"] - self.origin_).dt.days.to_numpy() / 7.0
        feats = {d: cal.features(d) for d in frame["date"].unique()}
        f = np.array([feats[d] for d in frame["date"]], dtype=float).reshape(n, len(self.CALENDAR))
        for k, nm in enumerate(self.CALENDAR):
            X[:, col[(nm,)]] = f[:, k]
        return X

    # -- IRLS -------------------------------------------------------------
    def _irls(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        p = X.shape[1]
        pen = np.diag(np.r_[0.0, np.full(p - 1, float(self.ridge))])
        beta = np.zeros(p)
        beta[0] = np.log(max(y.mean(), 1e-3))
        mu = np.exp(X @ beta)
        dev_old = np.inf
        for _ in range(self.max_iter):
            eta = np.clip(X @ beta, -30, 30)
            mu = np.exp(eta)
            z = eta + (y - mu) / mu
            XtW = X.T * mu
            beta = np.linalg.solve(XtW @ X + pen, XtW @ z)
            mu = np.exp(np.clip(X @ beta, -30, 30))
            with np.errstate(divide="ignore", invalid="ignore"):
                dev = 2 * np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu))
            if abs(dev_old - dev) <= self.tol * (abs(dev) + 0.1):
                break
            dev_old = dev
        H = (X.T * mu) @ X
        cov = np.linalg.inv(H + pen)
        edf = float(np.sum(cov * H.T))  # trace(cov @ H)
        return beta, mu, cov, edf

    def fit(self, counts: pd.DataFrame) -> "PoissonRegression":
        c = _prepare(counts)
        self.series_ = _series(c)
        self.calendar_ = _Calendar(c["date"].unique())
        self.origin_ = c["ts"].max() + pd.Timedelta(days=1)
        if self.weeks is not None:
            c = c[c["ts"] >= self.origin_ - pd.Timedelta(weeks=self.weeks)]
        rows = c[["date", "ts", "weekday", "slot_start"]].drop_duplicates().sort_values(["ts", "slot_start"]).reset_index(drop=True)
        self.columns_ = self._columns(rows)
        self.col_index_ = {k: i for i, k in enumerate(self.columns_)}
        X = self._design(rows, self.calendar_)
        key = pd.MultiIndex.from_frame(rows[["date", "slot_start"]])
        self.coef_: dict = {}
        self.cov_: dict = {}
        self.alpha_: dict = {}
        for (role, tier), part in c.groupby(["role", "tier"]):
            y = part.set_index(["date", "slot_start"])["count"].reindex(key).fillna(0.0).to_numpy()
            if y.sum() == 0:
                self.coef_[(role, tier)] = None
                self.alpha_[(role, tier)] = 0.0
                continue
            beta, mu, cov, edf = self._irls(X, y)
            self.coef_[(role, tier)] = beta
            self.cov_[(role, tier)] = cov
            self.alpha_[(role, tier)] = pearson_alpha(y, mu, len(y) - edf)
        return self

    def coefficients(self, role: str, tier: str) -> pd.Series:
        """Fitted coefficients of one series, indexed by readable column names."""
        self._check_fitted()
        beta = self.coef_[(role, tier)]
        names = [":".join(str(x) for x in col) for col in self.columns_]
        return pd.Series(np.zeros(len(names)) if beta is None else beta, index=names)

    def predict(self, dates: list[dt.date], slots_by_date: dict[dt.date, list[str]]) -> pd.DataFrame:
        self._check_fitted()
        grid = _target_grid(dates, slots_by_date, self.series_)
        if len(grid) == 0:
            return _finish(grid)
        cal = self.calendar_.with_request(slots_by_date)
        rows = grid[["date", "ts", "weekday", "slot_start"]].drop_duplicates().reset_index(drop=True)
        X = self._design(rows, cal)
        rkey = pd.MultiIndex.from_frame(rows[["date", "slot_start"]])
        means = np.zeros(len(grid))
        alphas = np.zeros(len(grid))
        for (role, tier), idx in grid.groupby(["role", "tier"]).groups.items():
            beta = self.coef_.get((role, tier))
            if beta is None:
                continue
            pos = grid.index.get_indexer(idx)
            Xr = X[rkey.get_indexer(pd.MultiIndex.from_frame(grid.loc[idx, ["date", "slot_start"]]))]
            var_eta = np.einsum("ij,jk,ik->i", Xr, self.cov_[(role, tier)], Xr)
            means[pos] = np.exp(np.clip(Xr @ beta, -30, 30))
            alphas[pos] = self.alpha_[(role, tier)] + np.maximum(var_eta, 0.0)
        grid["mean"] = means
        return _finish(add_count_intervals(grid, alphas))


MODELS: dict[str, type[ForecastModel]] = {
    SeasonalNaive.name: SeasonalNaive,
    WeekdayProfile.name: WeekdayProfile,
    PoissonRegression.name: PoissonRegression,
    TopDown.name: TopDown,
}


def make_model(name: str, **params) -> ForecastModel:
    """A fresh model from the registry (``KeyError`` names the known ones)."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise KeyError(f"unknown forecasting model {name!r}; known: {', '.join(MODELS)}") from None
    return cls(**params)
