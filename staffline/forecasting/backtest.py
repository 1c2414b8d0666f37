"""Rolling-origin backtests of the forecasting models in :mod:`.models`.

Folds are the last ``folds`` weeks of the counts: fold ``k`` starts
``7 * k`` days before the day after the last counted date, every model is
fitted on the counts *before* the fold start and predicts the next
``horizon_days`` days for the slots that were actually open (a date without
counts is closed). Scores per model and role, pooled over folds and tiers:

* ``wape``  = sum |y - yhat| / sum y
* ``mase``  = MAE / MAE of the seasonal-naive forecast on the same folds and rows
* ``bias``  = sum (yhat - y) / sum y (positive = over-forecast)
* ``cover80``, ``cover95`` = share of actual counts inside the 80% / 95% intervals

:func:`choose_model` picks the model with the lowest arrival-weighted WAPE
over roles (= pooled sum |y - yhat| / sum y).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .models import KEYS, MODELS, make_model

NAIVE = "naive"
TABLE_COLUMNS = ["model", "role", "folds", "n", "actual", "abs_error", "wape", "mase", "bias", "cover80", "cover95"]


def fold_origins(counts: pd.DataFrame, folds: int = 4) -> list[dt.date]:
    """Start dates of the ``folds`` weekly folds, oldest first."""
    if folds < 1:
        raise ValueError("folds must be >= 1")
    end = pd.to_datetime(counts["date"]).max().date() + dt.timedelta(days=1)
    return [end - dt.timedelta(days=7 * k) for k in range(folds, 0, -1)]


def backtest_predictions(counts: pd.DataFrame, models: list[str], folds: int = 4, horizon_days: int = 7, params: dict[str, dict] | None = None) -> pd.DataFrame:
    """Long frame of fold predictions joined to the actuals.

    Columns: ``model, fold, origin, date, slot_start, role, tier, count, mean,
    lo80, hi80, lo95, hi95``. Missing predictions for an open slot count as 0.
    """
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise KeyError(f"unknown forecasting model(s) {unknown}; known: {', '.join(MODELS)}")
    params = params or {}
    c = counts[KEYS + ["count"]].copy()
    c["date"] = pd.to_datetime(c["date"]).dt.date
    frames = []
    for k, origin in enumerate(fold_origins(c, folds)):
        train = c[c["date"] < origin]
        if train.empty:
            raise ValueError(f"fold {k} starting {origin} has no training data")
        stop = origin + dt.timedelta(days=horizon_days)
        test = c[(c["date"] >= origin) & (c["date"] < stop)]
        dates = [origin + dt.timedelta(days=d) for d in range(horizon_days)]
        slots = {d: sorted(part.unique()) for d, part in test.groupby("date")["slot_start"]}
        slots_by_date = {d: slots.get(d, []) for d in dates}
        for name in models:
            pred = make_model(name, **params.get(name, {})).fit(train).predict(dates, slots_by_date)
            pred["date"] = pd.to_datetime(pred["date"]).dt.date
            merged = test.merge(pred, on=KEYS, how="left")
            for col in ("mean", "lo80", "hi80", "lo95", "hi95"):
                merged[col] = merged[col].astype(float).fillna(0.0)
            frames.append(merged.assign(model=name, fold=k, origin=origin))
    out = pd.concat(frames, ignore_index=True)
    return out[["model", "fold", "origin"] + KEYS + ["count", "mean", "lo80", "hi80", "lo95", "hi95"]]


def score(pred: pd.DataFrame) -> pd.DataFrame:
    """Score table (``TABLE_COLUMNS``) per model and role from :func:`backtest_predictions` output."""
    p = pred.copy()
    p["abs_error"] = (p["count"] - p["mean"]).abs()
    p["error"] = p["mean"] - p["count"]
    p["in80"] = ((p["count"] >= p["lo80"]) & (p["count"] <= p["hi80"])).astype(float)
    p["in95"] = ((p["count"] >= p["lo95"]) & (p["count"] <= p["hi95"])).astype(float)
    naive = p[p["model"] == NAIVE].groupby("role")["abs_error"].sum()
    rows = []
    for (model, role), part in p.groupby(["model", "role"], sort=False):
        actual = float(part["count"].sum())
        abs_error = float(part["abs_error"].sum())
        base = float(naive.get(role, np.nan))
        rows.append(
            {
                "model": model,
                "role": role,
                "folds": int(part["fold"].nunique()),
                "n": int(len(part)),
                "actual": actual,
                "abs_error": abs_error,
                "wape": abs_error / actual if actual > 0 else np.nan,
                # same rows for every model, so the ratio of sums is the ratio of MAEs
                "mase": abs_error / base if base > 0 else np.nan,
                "bias": float(part["error"].sum()) / actual if actual > 0 else np.nan,
                "cover80": float(part["in80"].mean()),
                "cover95": float(part["in95"].mean()),
            }
        )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def backtest(counts: pd.DataFrame, models: list[str], folds: int = 4, horizon_days: int = 7, params: dict[str, dict] | None = None) -> pd.DataFrame:
    """Rolling-origin weekly backtest: one row per model and role (see module docstring).

    The seasonal-naive model is always run (MASE needs it) but only reported
    when asked for. ``params`` optionally maps a model name to constructor
    keyword arguments.
    """
    models = list(dict.fromkeys(models))
    run = models if NAIVE in models else models + [NAIVE]
    table = score(backtest_predictions(counts, run, folds, horizon_days, params))
    table = table[table["model"].isin(models)]
    order = {m: i for i, m in enumerate(models)}
    roles = list(dict.fromkeys(counts["role"]))
    table = table.assign(_m=table["model"].map(order), _r=table["role"].map({r: i for i, r in enumerate(roles)}))
    return table.sort_values(["_m", "_r"]).drop(columns=["_m", "_r"]).reset_index(drop=True)


def overall(table: pd.DataFrame) -> pd.DataFrame:
    """One row per model: arrival-weighted WAPE, MASE and bias, row-weighted coverage."""
    rows = []
    for model, part in table.groupby("model", sort=False):
        actual = part["actual"].sum()
        base = (part["abs_error"] / part["mase"]).sum()
        rows.append(
            {
                "model": model,
                "n": int(part["n"].sum()),
                "actual": float(actual),
                "wape": float(part["abs_error"].sum() / actual),
                "mase": float(part["abs_error"].sum() / base) if base > 0 else np.nan,
                "bias": float((part["bias"] * part["actual"]).sum() / actual),
                "cover80": float(np.average(part["cover80"], weights=part["n"])),
                "cover95": float(np.average(part["cover95"], weights=part["n"])),
            }
        )
    return pd.DataFrame(rows)


def choose_model(backtest_frame: pd.DataFrame) -> tuple[str, float]:
    """``(name, wape)`` of the model with the lowest arrival-weighted WAPE over roles.

    The weight of a role is its actual arrivals, so the overall WAPE is the
    pooled ``sum |y - yhat| / sum y``. Ties go to the model listed first.
    """
    t = backtest_frame
    if t.empty:
        raise ValueError("empty backtest frame")
    best_name, best = None, np.inf
    for model, part in t.groupby("model", sort=False):
        wape = float(np.sum(part["wape"] * part["actual"]) / np.sum(part["actual"]))
        if wape < best:
            best_name, best = model, wape
    return str(best_name), best
