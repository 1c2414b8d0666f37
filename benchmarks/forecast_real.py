"""Forecast benchmark on real arrivals: the public bank call-centre series (5-minute counts).

Reads ../shared/data/bank_calls/bank_calls_train.csv (columns DateTime, Calls;
weekdays 07:00-21:00, 169 five-minute intervals a day, holidays absent; see its
README), converts it to staffline's slot-count frame (date, slot_start, role,
tier, count; one role, 5-minute slots) and scores every model of
``staffline.forecasting.MODEL_NAMES``: ``auto`` (the product's automatic
choice, made on rolling folds of each fold's training data only), the
``ensemble`` and the base models (seasonal naive and the day-level model, given
the US holiday calendar, included).

Usage::

    python benchmarks/forecast_real.py [--folds 8] [--json]
    python benchmarks/forecast_real.py --train A.csv --test B.csv [--json]
    python benchmarks/forecast_real.py --update-at 10:00,12:00 [--models naive --no-sf] [--json]

Without ``--test``: rolling-origin backtest on the train file with
``staffline.forecasting.folds.rolling_folds`` - weekly folds over the last
``--folds`` weeks, each fitted on everything before the fold's Monday and
forecasting that week (``auto`` and ``ensemble`` run their own inner folds on
that training data). With ``--train A --test B``: every model is fitted once
on all of A and forecasts every slot of every day in B.

Metrics per model (pooled over all folds / test days):

* ``wape_5min``  - sum|y - mean| / sum y over the 5-minute slots;
* ``wape_hourly`` - the same after summing counts and predicted means to the hour;
* ``mase`` - MAE / MAE of the seasonal naive model on the very same slots;
* ``coverage80`` / ``coverage95`` - share of slot counts inside the 80% / 95% intervals;
* ``seconds`` - fit + predict wall time over all folds (interval calibration included).

``auto_picks`` names what ``auto`` chose at each origin (and its backtest
WAPE on that origin's inner folds). ``best`` is the staffline model with the
lowest 5-minute WAPE on the test weeks themselves: chosen with hindsight, so
not what the product can do (``auto`` is); the ratio of its WAPE to seasonal
naive's is printed too.

statsforecast comparison (optional ``bench`` extra): if ``statsforecast`` is
importable, its AutoETS (season length 169) and MSTL (season lengths 169 and 845:
daily and weekly on the weekday-only 5-minute series, treated as contiguous)
forecast the same test intervals (horizon = number of test intervals) and are
added as ``sf_autoets`` and ``sf_mstl`` with 80/95% intervals from
``level=[80, 95]``. To keep the run to a few minutes on 2 cores they are fitted
on the last ``--sf-weeks`` weeks before each origin and run on the last
``--sf-folds`` folds only (a full-history AutoETS fit takes ~100 s per fold);
the comparison ratios use staffline's models on those same folds. Note that
statsforecast's ETS cannot hold a season longer than 24, so AutoETS with 169
is in effect non-seasonal. ``--no-sf`` skips the comparison.

Within-day update (``--update-at``): the day-ahead forecast of every day
(rolling days over the last ``--folds`` weeks: ``daylevel`` refitted on
everything before each day; with ``--test``, fitted once on the train file)
is updated at each time by ``staffline.forecasting.intraday.update_forecast``
from that day's counts before it, and the rest of the day (slots from that
time on) is scored for the day-ahead and the updated forecast on the same
days: 5-minute and hourly WAPE and 80/95% coverage. ``--json`` gains
``"intraday": {time: {"day_ahead": {...}, "updated": {...}, "variants": {...}}}``.

Bad input (missing file, missing or unparseable column) prints one line on
stderr naming the file and the field and exits with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from staffline.forecasting import MODEL_NAMES, make_model
from staffline.forecasting.evaluation import scored_folds
from staffline.forecasting.folds import rolling_folds
from staffline.forecasting.intraday import prior_shape, update_forecast

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "data" / "bank_calls" / "bank_calls_train.csv"
COLUMNS = ["DateTime", "Calls"]
PRED = ["mean", "lo80", "hi80", "lo95", "hi95"]
METRIC_KEYS = ["wape_5min", "wape_hourly", "mase", "coverage80", "coverage95", "seconds"]
SF_NAMES = {"sf_autoets": "AutoETS", "sf_mstl": "MSTL"}
DAILY, WEEKLY = 169, 845  # 5-minute intervals in a 07:00-21:00 day and in a 5-weekday week
# The series is a US bank's: its branch would say holiday_country = "US", and the product's
# fit_forecast hands a branch's calendar to the day-level model (alone or inside auto/ensemble) the same way.
MODEL_PARAMS = {name: {"holiday_country": "US"} for name in ("daylevel", "ensemble", "auto")}


class BenchInputError(Exception):
    """Unusable input: the message names the file and the field."""


# --------------------------------------------------------------------------- input


def load_counts(path: Path | str) -> pd.DataFrame:
    """The CSV (DateTime, Calls) as staffline's slot-count frame: date, slot_start, role, tier, count."""
    path = Path(path)
    if not path.is_file():
        raise BenchInputError(f"{path}: no such file")
    try:
        raw = pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise BenchInputError(f"{path}: not a readable CSV ({type(exc).__name__})") from None
    for column in COLUMNS:
        if column not in raw.columns:
            raise BenchInputError(f"{path}: missing column '{column}'")
    if raw.empty:
        raise BenchInputError(f"{path}: field 'DateTime': no rows")
    # local clock time although marked with Z: drop the marker rather than convert
    when = pd.to_datetime(raw["DateTime"].astype(str).str.replace("Z", "", regex=False), errors="coerce")
    if when.isna().any():
        row = int(np.flatnonzero(when.isna().to_numpy())[0])
        raise BenchInputError(f"{path}: field 'DateTime': cannot parse {raw['DateTime'].iloc[row]!r} (data row {row + 1})")
    calls = pd.to_numeric(raw["Calls"], errors="coerce")
    bad = calls.isna() | (calls < 0) | (calls != np.floor(calls))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise BenchInputError(f"{path}: field 'Calls': not a count {raw['Calls'].iloc[row]!r} (data row {row + 1})")
    frame = pd.DataFrame({"when": when, "count": calls.astype(int)}).sort_values("when", kind="stable")
    return pd.DataFrame(
        {
            "date": frame["when"].dt.date,
            "slot_start": frame["when"].dt.strftime("%H:%M"),
            "role": "calls",
            "tier": "regular",
            "count": frame["count"],
        }
    ).reset_index(drop=True)


# --------------------------------------------------------------------------- predictions


def backtest_predictions(counts: pd.DataFrame, models: list[str], folds: int) -> tuple[pd.DataFrame, dict[str, float], dict]:
    """Every model on every rolling fold (timed) -> (predictions, seconds per model, auto's pick per origin)."""
    if not rolling_folds(counts, folds):
        raise ValueError("no fold with both training and test days")
    parts, seconds, picks = [], {}, {}
    for name in dict.fromkeys(["naive", *models]):
        started = time.perf_counter()
        if name == "auto":  # the fitted model is needed for its pick
            for fold in rolling_folds(counts, folds):
                model = make_model(name, **MODEL_PARAMS.get(name, {}))
                parts.append(fold.score_frame(model).assign(model=name, origin=fold.origin))
                picks[fold.origin.isoformat()] = _pick(model)
        else:
            for fold, frame in scored_folds(name, counts, folds, **MODEL_PARAMS.get(name, {})):
                parts.append(frame.assign(model=name, origin=fold.origin))
        seconds[name] = time.perf_counter() - started
    return pd.concat(parts, ignore_index=True), seconds, picks


def _pick(model) -> dict:
    """What a fitted ``auto`` chose and how its choice scored on its inner folds."""
    return {
        "model": model.chosen.name,
        "description": model.describe(),
        "backtest_wape": model.backtest_wape,
        "inner_folds": model.folds_used,
    }


def holdout_predictions(train: pd.DataFrame, test: pd.DataFrame, models: list[str]) -> tuple[pd.DataFrame, dict[str, float], dict]:
    """Fit each model on all of ``train``, forecast every slot of every day of ``test`` (-> predictions, seconds, auto's pick)."""
    train = train.assign(date=pd.to_datetime(train["date"]).dt.date)
    test = test.assign(date=pd.to_datetime(test["date"]).dt.date)
    dates = sorted(test["date"].unique())
    slots = {d: sorted(test.loc[test["date"] == d, "slot_start"].unique()) for d in dates}
    origin = dates[0]
    parts, seconds, picks = [], {}, {}
    for name in dict.fromkeys(["naive", *models]):
        started = time.perf_counter()
        model = make_model(name, **MODEL_PARAMS.get(name, {})).fit(train)
        pred = model.predict(dates, slots)
        seconds[name] = time.perf_counter() - started
        if name == "auto":
            picks[origin.isoformat()] = _pick(model)
        merged = test.merge(pred, on=["date", "slot_start", "role", "tier"], how="left").fillna({c: 0.0 for c in PRED})
        parts.append(merged.assign(model=name, origin=origin))
    return pd.concat(parts, ignore_index=True), seconds, picks


# --------------------------------------------------------------------------- statsforecast


def statsforecast_status() -> str | None:
    """None if statsforecast is importable, else why not."""
    try:
        import statsforecast.models  # noqa: F401
    except Exception as exc:  # ImportError or a broken install
        return f"{type(exc).__name__}: {exc}"
    return None


def _sf_model(name: str):
    from statsforecast.models import MSTL, AutoETS

    if name == "sf_autoets":
        return AutoETS(season_length=DAILY)
    return MSTL(season_length=[DAILY, WEEKLY])


def sf_forecast(name: str, history: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """mean, lo80, hi80, lo95, hi95 of the next ``horizon`` intervals (NaN intervals if unavailable)."""
    model = _sf_model(name)
    try:
        out = model.forecast(y=history.astype(float), h=horizon, level=[80, 95])
    except Exception:  # some models/versions lack intervals: point forecast only
        out = model.forecast(y=history.astype(float), h=horizon)
    nan = np.full(horizon, np.nan)
    return {
        "mean": np.maximum(np.asarray(out["mean"], float), 0.0),
        **{f"{side}{lv}": np.asarray(out.get(f"{side}-{lv}", nan), float) for side in ("lo", "hi") for lv in (80, 95)},
    }


def sf_predictions(history_of, cases: list[tuple[object, pd.DataFrame, int]], names: list[str]) -> tuple[pd.DataFrame, dict[str, float]]:
    """statsforecast forecasts for each case (origin, test slots in time order, gap intervals before them).

    ``history_of(origin)`` returns the training series (counts in time order,
    weekdays only, contiguous) for that origin.
    """
    parts, seconds = [], {n: 0.0 for n in names}
    for origin, test, gap in cases:
        y = history_of(origin)
        for name in names:
            started = time.perf_counter()
            fc = sf_forecast(name, y, gap + len(test))
            seconds[name] += time.perf_counter() - started
            part = test.copy()
            for col in PRED:
                part[col] = fc[col][gap:]
            parts.append(part.assign(model=name, origin=origin))
    return pd.concat(parts, ignore_index=True), seconds


def _in_time_order(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["date", "slot_start"], kind="stable").reset_index(drop=True)


def backtest_sf(counts: pd.DataFrame, preds: pd.DataFrame, names: list[str], sf_folds: int, sf_weeks: int):
    """statsforecast on the last ``sf_folds`` origins of ``preds``, fitted on ``sf_weeks`` weeks before each."""
    c = _in_time_order(counts.assign(date=pd.to_datetime(counts["date"]).dt.date))
    origins = sorted(preds["origin"].unique())[-sf_folds:]
    naive = preds[preds["model"] == "naive"]
    cases = [(o, _in_time_order(naive[naive["origin"] == o][["date", "slot_start", "role", "tier", "count"]]), 0) for o in origins]

    def history(origin):
        start = origin - dt.timedelta(weeks=sf_weeks)
        return c.loc[(c["date"] < origin) & (c["date"] >= start), "count"].to_numpy(float)

    return sf_predictions(history, cases, names)


def holdout_sf(train: pd.DataFrame, test: pd.DataFrame, names: list[str], sf_weeks: int):
    """statsforecast fitted on the end of ``train``, forecasting the test intervals (weekday gap bridged)."""
    train = _in_time_order(train.assign(date=pd.to_datetime(train["date"]).dt.date))
    test = _in_time_order(test.assign(date=pd.to_datetime(test["date"]).dt.date))
    last, first = max(train["date"]), min(test["date"])
    per_day = int(train.groupby("date").size().median())
    gap = int(np.busday_count(last + dt.timedelta(days=1), first)) * per_day if first > last else 0
    start = last - dt.timedelta(weeks=sf_weeks)
    y = train.loc[train["date"] > start, "count"].to_numpy(float)
    return sf_predictions(lambda _o: y, [(first, test[["date", "slot_start", "role", "tier", "count"]], gap)], names)


# --------------------------------------------------------------------------- scoring


def _wape(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.abs(y - f).sum() / max(y.sum(), 1e-9))


def _coverage(part: pd.DataFrame, level: str) -> float:
    lo, hi = part[f"lo{level}"].to_numpy(float), part[f"hi{level}"].to_numpy(float)
    if np.isnan(lo).any() or np.isnan(hi).any():
        return math.nan
    y = part["count"].to_numpy(float)
    return float(((y >= lo) & (y <= hi)).mean())


def score(preds: pd.DataFrame, seconds: dict[str, float] | None = None) -> dict[str, dict[str, float]]:
    """Metrics per model of a prediction frame (count, mean, lo/hi80/95, model, origin, date, slot_start).

    MASE divides by the seasonal naive MAE on the same slots, so ``preds`` must
    hold naive's predictions for every slot the other models are scored on.
    """
    seconds = seconds or {}
    key = ["origin", "date", "slot_start", "role", "tier"]
    naive = preds[preds["model"] == "naive"].set_index(key)
    if naive.empty:
        raise ValueError("score() needs the seasonal naive model's predictions (MASE reference)")
    out = {}
    for name, part in preds.groupby("model", sort=False):
        y, f = part["count"].to_numpy(float), part["mean"].to_numpy(float)
        ref = naive.reindex(pd.MultiIndex.from_frame(part[key]))
        mae_naive = float(np.abs(ref["count"].to_numpy(float) - ref["mean"].to_numpy(float)).mean())
        hourly = part.assign(hour=part["slot_start"].str[:2]).groupby(["origin", "date", "hour", "role", "tier"])[["count", "mean"]].sum()
        out[str(name)] = {
            "wape_5min": _wape(y, f),
            "wape_hourly": _wape(hourly["count"].to_numpy(float), hourly["mean"].to_numpy(float)),
            "mase": float(np.abs(y - f).mean() / max(mae_naive, 1e-9)),
            "coverage80": _coverage(part, "80"),
            "coverage95": _coverage(part, "95"),
            "seconds": float(seconds.get(name, math.nan)),
        }
    return out


def best_model(metrics: dict[str, dict[str, float]], among: list[str] | None = None) -> str:
    names = [n for n in (among or list(metrics)) if n in metrics and math.isfinite(metrics[n]["wape_5min"])]
    return min(names, key=lambda n: (metrics[n]["wape_5min"], n))


def format_table(metrics: dict[str, dict[str, float]]) -> str:
    rows = pd.DataFrame.from_dict(metrics, orient="index")[METRIC_KEYS]
    rows.index.name = "model"
    return rows.to_string(float_format=lambda v: f"{v:.4f}", na_rep="nan")


# --------------------------------------------------------------------------- intraday update

INTRADAY_MODEL = "daylevel"  # the day-ahead forecast updated within the day: fast enough to refit every day
# (name, update_forecast options): the product's default first, then the variants it was chosen against
UPDATE_VARIANTS = {
    "local30_rev120": {"method": "gamma", "half_life": 90.0, "local_half_life": 30.0, "revert_minutes": 120.0},
    "gamma_hl90": {"method": "gamma", "half_life": 90.0, "local_half_life": None},
    "gamma": {"method": "gamma", "half_life": None, "local_half_life": None},
    "gamma_hl60": {"method": "gamma", "half_life": 60.0, "local_half_life": None},
    "gamma_hl180": {"method": "gamma", "half_life": 180.0, "local_half_life": None},
    "ratio_w0.5": {"method": "ratio", "weight": 0.5, "half_life": None, "local_half_life": None},  # the plain shrunk level ratio
    "ratio_w0.8": {"method": "ratio", "weight": 0.8, "half_life": None, "local_half_life": None},
    "ratio_w0.8_hl90": {"method": "ratio", "weight": 0.8, "half_life": 90.0, "local_half_life": None},
    # a recent level (West-Harrison discounted Gamma-Poisson, half-life local..) fading into the day level (rev.. minutes)
    "local30_rev60": {"method": "gamma", "half_life": 90.0, "local_half_life": 30.0, "revert_minutes": 60.0},
    "local15_rev60": {"method": "gamma", "half_life": 90.0, "local_half_life": 15.0, "revert_minutes": 60.0},
    "local45_rev60": {"method": "gamma", "half_life": 90.0, "local_half_life": 45.0, "revert_minutes": 60.0},
    "local30_rev30": {"method": "gamma", "half_life": 90.0, "local_half_life": 30.0, "revert_minutes": 30.0},
}


def day_ahead_days(train: pd.DataFrame, test: pd.DataFrame | None, folds: int) -> list[tuple[dt.date, pd.DataFrame]]:
    """(day, that day's rows with the day-ahead forecast beside each count), oldest first.

    Without ``test``: rolling days - every day of the last ``folds`` weeks is
    forecast by ``INTRADAY_MODEL`` fitted on everything before that day. With
    ``test``: fitted once on all of ``train``, every test day forecast.
    """
    params = MODEL_PARAMS.get(INTRADAY_MODEL, {"holiday_country": "US"})
    out = []
    if test is None:
        c = train.assign(date=pd.to_datetime(train["date"]).dt.date)
        first = fold_origins_start(c, folds)
        for day in sorted(d for d in c["date"].unique() if d >= first):
            rows = c[c["date"] == day].reset_index(drop=True)
            model = make_model(INTRADAY_MODEL, **params).fit(c[c["date"] < day])
            pred = model.predict([day], {day: sorted(rows["slot_start"].unique())})
            out.append((day, rows.merge(pred, on=["date", "slot_start", "role", "tier"], how="left").fillna({k: 0.0 for k in PRED})))
        return out
    t = test.assign(date=pd.to_datetime(test["date"]).dt.date)
    model = make_model(INTRADAY_MODEL, **params).fit(train.assign(date=pd.to_datetime(train["date"]).dt.date))
    dates = sorted(t["date"].unique())
    pred = model.predict(dates, {d: sorted(t.loc[t["date"] == d, "slot_start"].unique()) for d in dates})
    merged = t.merge(pred, on=["date", "slot_start", "role", "tier"], how="left").fillna({k: 0.0 for k in PRED})
    return [(d, merged[merged["date"] == d].reset_index(drop=True)) for d in dates]


def fold_origins_start(counts: pd.DataFrame, folds: int) -> dt.date:
    """The first Monday of the last ``folds`` weekly folds (the rolling days start there)."""
    origins = [f.origin for f in rolling_folds(counts, folds)]
    if not origins:
        raise ValueError("no fold with both training and test days")
    return origins[0]


def intraday_scores(days: list[tuple[dt.date, pd.DataFrame]], update_at: list[str]) -> dict:
    """Rest-of-day WAPE (5-minute, hourly) and 80% coverage of the day-ahead forecast and of each update variant.

    The Gamma prior's shape for a day comes from the days before it only
    (their totals against their day-ahead forecasts), so nothing is tuned on the
    day being scored.
    """
    out: dict = {}
    for at in update_at:
        parts: dict[str, list[pd.DataFrame]] = {"day_ahead": [], **{v: [] for v in UPDATE_VARIANTS}}
        for i, (_day, rows) in enumerate(days):
            past_days = [r for _d, r in days[:i]]
            shape = prior_shape([r["count"].sum() for r in past_days], [r["mean"].sum() for r in past_days])
            observed = rows[rows["slot_start"] < at][["slot_start", "role", "count"]]
            rest = rows[rows["slot_start"] >= at].reset_index(drop=True)
            parts["day_ahead"].append(rest)
            for name, options in UPDATE_VARIANTS.items():
                parts[name].append(update_forecast(rows, observed, at, shape=shape, **options))
        out[at] = {name: _rest_metrics(pd.concat(frames, ignore_index=True)) for name, frames in parts.items()}
    return out


def _rest_metrics(frame: pd.DataFrame) -> dict[str, float]:
    hourly = frame.assign(hour=frame["slot_start"].str[:2]).groupby(["date", "hour", "role"])[["count", "mean"]].sum()
    return {
        "wape_5min": _wape(frame["count"].to_numpy(float), frame["mean"].to_numpy(float)),
        "wape_hourly": _wape(hourly["count"].to_numpy(float), hourly["mean"].to_numpy(float)),
        "coverage80": _coverage(frame, "80"),
        "coverage95": _coverage(frame, "95"),
    }


def intraday_report(scores: dict, days: int) -> str:
    """The table: per update time, day-ahead vs every variant, with ratios to the day-ahead WAPE."""
    product = next(iter(UPDATE_VARIANTS))
    lines = [f"intraday update of the day-ahead {INTRADAY_MODEL} forecast, rest of day, {days} days (product default: {product})"]
    for at, per in scores.items():
        base = per["day_ahead"]
        lines.append(f"  update at {at}:")
        for name, m in per.items():
            lines.append(
                f"    {name:<16} wape_5min {m['wape_5min']:.4f} ({m['wape_5min'] / base['wape_5min']:.3f}x)  "
                f"wape_hourly {m['wape_hourly']:.4f} ({m['wape_hourly'] / base['wape_hourly']:.3f}x)  "
                f"cov80 {m['coverage80']:.3f} cov95 {m['coverage95']:.3f}"
            )
    return "\n".join(lines)


def intraday_json(scores: dict) -> dict:
    """The issue's shape: {time: {"day_ahead": {...}, "updated": {...}}}, variants beside."""
    product = next(iter(UPDATE_VARIANTS))
    return {
        at: {"day_ahead": per["day_ahead"], "updated": per[product], "variants": {n: per[n] for n in UPDATE_VARIANTS}}
        for at, per in scores.items()
    }


# --------------------------------------------------------------------------- run


def run(
    train: pd.DataFrame,
    test: pd.DataFrame | None = None,
    *,
    folds: int = 8,
    models: list[str] | None = None,
    sf: bool = True,
    sf_folds: int = 2,
    sf_weeks: int = 12,
) -> dict:
    """The whole benchmark as a dict: models (metrics), best, notes and the statsforecast comparison."""
    models = list(dict.fromkeys(["naive", *(models or MODEL_NAMES)]))
    notes: list[str] = []
    if test is None:
        preds, seconds, picks = backtest_predictions(train, models, folds)
        origins = sorted(preds["origin"].unique())
        notes.append(
            f"rolling-origin backtest: {len(origins)} weekly folds, origins {origins[0]} .. {origins[-1]}, "
            f"{preds['model'].eq('naive').sum()} test intervals"
        )
    else:
        preds, seconds, picks = holdout_predictions(train, test, models)
        notes.append(
            f"train/test: fitted on {train['date'].nunique()} days, scored on {test['date'].nunique()} test days ({len(test)} intervals)"
        )
    metrics = score(preds, seconds)
    result = {"models": {n: metrics[n] for n in models}, "best": best_model(metrics, models), "auto_picks": picks, "notes": notes}
    naive_wape = metrics["naive"]["wape_5min"]
    result["best_vs_naive"] = metrics[result["best"]]["wape_5min"] / max(naive_wape, 1e-12)

    if not sf:
        result["statsforecast"] = {"ran": False, "reason": "disabled (--no-sf)"}
        return result
    why = statsforecast_status()
    if why is not None:
        result["statsforecast"] = {"ran": False, "reason": f"statsforecast not importable ({why})"}
        return result
    names = list(SF_NAMES)
    if test is None:
        sf_preds, sf_seconds = backtest_sf(train, preds, names, sf_folds, sf_weeks)
    else:
        sf_preds, sf_seconds = holdout_sf(train, test, names, sf_weeks)
    sf_origins = set(sf_preds["origin"].unique())
    ours_same = preds[preds["origin"].isin(sf_origins)]
    sf_metrics = score(pd.concat([ours_same, sf_preds], ignore_index=True), sf_seconds)
    for n in names:
        result["models"][n] = sf_metrics[n]
    # the comparison on the common folds: our models re-scored on the statsforecast folds
    ours = {n: sf_metrics[n] for n in models}
    share = len(sf_origins) / preds["origin"].nunique()  # time of our models on those folds: their share
    for n in models:
        ours[n]["seconds"] = metrics[n]["seconds"] * share
    our_best, their_best = best_model(ours, models), best_model(sf_metrics, names)
    result["statsforecast"] = {
        "ran": True,
        "folds": len(sf_origins),
        "train_weeks": sf_weeks,
        "our_best": our_best,
        "their_best": their_best,
        "our_models_on_same_folds": ours,
        "wape_ratio": ours[our_best]["wape_5min"] / max(sf_metrics[their_best]["wape_5min"], 1e-12),
        "time_ratio": ours[our_best]["seconds"] / max(sf_metrics[their_best]["seconds"], 1e-12),
    }
    if test is None and len(sf_origins) < len(preds["origin"].unique()):
        notes.append(
            f"statsforecast restricted for runtime: last {len(sf_origins)} of {preds['origin'].nunique()} folds "
            f"(sf_* rows are scored on those folds only), fitted on the last {sf_weeks} weeks before each origin"
        )
    else:
        notes.append(f"statsforecast fitted on the last {sf_weeks} weeks of training data")
    notes.append("statsforecast ETS cannot hold a season longer than 24 intervals: AutoETS(season_length=169) is non-seasonal")
    return result


def report(result: dict) -> str:
    lines = [*result["notes"], "", format_table(result["models"]), ""]
    best, ratio = result["best"], result["best_vs_naive"]
    for origin, pick in result["auto_picks"].items():
        wape = (
            "n/a (too little history)"
            if pick["backtest_wape"] is None
            else f"{pick['backtest_wape']:.4f} on {pick['inner_folds']} inner folds"
        )
        lines.append(f"auto at {origin} picked {pick['description']} (backtest WAPE {wape})")
    lines.append(
        f"best staffline model on the test data itself (hindsight, not a product choice): {best}, WAPE "
        f"{result['models'][best]['wape_5min']:.4f} = {ratio:.3f} x seasonal naive ({1 - ratio:.1%} better)"
    )
    sf = result["statsforecast"]
    if not sf["ran"]:
        lines.append(f"statsforecast comparison skipped: {sf['reason']}")
    else:
        ours, theirs = sf["our_models_on_same_folds"], result["models"]
        lines.append(
            f"vs statsforecast on the same {sf['folds']} fold(s): our best {sf['our_best']} WAPE "
            f"{ours[sf['our_best']]['wape_5min']:.4f} ({ours[sf['our_best']]['seconds']:.2f} s), their best "
            f"{sf['their_best']} WAPE {theirs[sf['their_best']]['wape_5min']:.4f} "
            f"({theirs[sf['their_best']]['seconds']:.2f} s): WAPE ratio ours/theirs {sf['wape_ratio']:.3f}, "
            f"time ratio ours/theirs {sf['time_ratio']:.4f}"
        )
    return "\n".join(lines)


def _clean(value):
    """JSON-safe: NaN -> null."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return _clean(value.item())
    if isinstance(value, (dt.date,)):
        return value.isoformat()
    return value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(DEFAULT), help="training CSV (DateTime, Calls); default: bank_calls_train.csv")
    ap.add_argument("--test", default=None, help="test CSV: fit on all of --train, score every day of it")
    ap.add_argument("--folds", type=int, default=8, help="weekly backtest folds (without --test)")
    ap.add_argument("--models", default=",".join(MODEL_NAMES), help="comma-separated staffline models (naive always runs)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--no-sf", action="store_true", help="skip the statsforecast comparison")
    ap.add_argument("--sf-folds", type=int, default=2, help="last folds the statsforecast models run on")
    ap.add_argument("--sf-weeks", type=int, default=12, help="weeks of history statsforecast is fitted on")
    ap.add_argument("--update-at", default=None, help="comma-separated HH:MM: also score the within-day forecast update from then on")
    args = ap.parse_args(argv)
    update_at = [t.strip() for t in (args.update_at or "").split(",") if t.strip()]
    for t in update_at:
        try:
            dt.time.fromisoformat(t)
        except ValueError:
            ap.error(f"--update-at: {t!r} is not HH:MM")
    if args.folds < 1 or args.sf_folds < 1 or args.sf_weeks < 2:
        ap.error("--folds and --sf-folds must be >= 1, --sf-weeks >= 2")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown:
        ap.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODEL_NAMES)}")
    try:
        train = load_counts(args.train)
        test = load_counts(args.test) if args.test else None
        if test is None and train["date"].nunique() < 2 * 5:
            raise BenchInputError(f"{args.train}: field 'DateTime': too few days for a weekly backtest")
        try:
            result = run(
                train,
                test,
                folds=args.folds,
                models=models,
                sf=not args.no_sf,
                sf_folds=min(args.sf_folds, args.folds),
                sf_weeks=args.sf_weeks,
            )
            if update_at:
                days = day_ahead_days(train, test, args.folds)
                result["intraday"] = intraday_scores(days, update_at)
                result["intraday_days"] = len(days)
        except ValueError as exc:  # e.g. no fold with both training and test days
            raise BenchInputError(f"{args.train}: field 'DateTime': cannot build folds ({exc})") from None
    except BenchInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        out = _clean(
            {
                "models": result["models"],
                "best": result["best"],
                "best_chosen_on": "the test data itself (hindsight); auto is the product's choice",
                "auto_picks": result["auto_picks"],
                "best_vs_naive": result["best_vs_naive"],
                "statsforecast": result["statsforecast"],
                "notes": result["notes"],
                **({"intraday": intraday_json(result["intraday"])} if "intraday" in result else {}),
            }
        )
        print(json.dumps(out))
    else:
        print(report(result))
        if "intraday" in result:
            print()
            print(intraday_report(result["intraday"], result["intraday_days"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
