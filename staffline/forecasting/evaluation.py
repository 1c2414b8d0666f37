"""Rolling-origin backtests: how each forecast model would have done on the last weeks.

Fold k (k = 1..folds) fits on everything before a Monday k weeks before the
end of the history and forecasts the 7 days from it. Per model and role:
WAPE = sum|y - yhat| / sum y; MASE = MAE / MAE of the seasonal-naive model on
the same fold; bias = sum(yhat - y) / sum y; cover80 / cover95 = share of slot
counts inside the 80% / 95% intervals (nominal 0.8 / 0.95).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from staffline.forecasting.estimators import MODELS

METRICS = ["wape", "mase", "bias", "cover80", "cover95"]


def fold_origins(counts: pd.DataFrame, folds: int) -> list[dt.date]:
    """Mondays of the test weeks, the last one being the latest complete week.

    A week is complete when the history reaches its last open weekday (Friday
    for a weekday-only series, Saturday for a branch open on Saturdays).
    """
    dates = pd.to_datetime(counts["date"])
    last = dates.max().date()
    last_open_weekday = int(dates.dt.day_of_week.max())
    last_monday = last - dt.timedelta(days=last.weekday())
    if last.weekday() < last_open_weekday:  # last week incomplete: it cannot be a test week
        last_monday -= dt.timedelta(weeks=1)
    return [last_monday - dt.timedelta(weeks=k) for k in range(folds)][::-1]


def fold_predictions(counts: pd.DataFrame, models: list[str], folds: int = 4) -> pd.DataFrame:
    """Actual and predicted counts (with intervals) of every test slot, model and fold."""
    c = counts.assign(date=pd.to_datetime(counts["date"]).dt.date)
    out = []
    for origin in fold_origins(c, folds):
        train = c[c["date"] < origin]
        test = c[(c["date"] >= origin) & (c["date"] < origin + dt.timedelta(days=7))]
        if train.empty or test.empty:
            continue
        dates = sorted(test["date"].unique())
        slots = {d: sorted(test.loc[test["date"] == d, "slot_start"].unique()) for d in dates}
        for name in dict.fromkeys(["naive", *models]):
            pred = MODELS[name]().fit(train).predict(dates, slots)
            merged = test.merge(pred, on=["date", "slot_start", "role", "tier"], how="left").fillna(0.0)
            out.append(merged.assign(model=name, origin=origin))
    return pd.concat(out, ignore_index=True)


def backtest(counts: pd.DataFrame, models: list[str], folds: int = 4) -> pd.DataFrame:
    """``model, role, wape, mase, bias, cover80, cover95, folds`` (plus role ``all``)."""
    preds = fold_predictions(counts, models, folds)
    naive = preds[preds["model"] == "naive"]
    rows = []
    for (model, role), part in [*preds.groupby(["model", "role"]), *(((m, "all"), p) for m, p in preds.groupby("model"))]:
        if model not in models:
            continue
        y, f = part["count"].to_numpy(float), part["mean"].to_numpy(float)
        same_rows = naive if role == "all" else naive[naive["role"] == role]
        mae_naive = (same_rows["count"] - same_rows["mean"]).abs().mean()  # the very same test slots
        rows.append(
            {
                "model": model,
                "role": role,
                "wape": np.abs(y - f).sum() / max(y.sum(), 1e-9),
                "mase": np.abs(y - f).mean() / max(mae_naive, 1e-9),
                "bias": (f - y).sum() / max(y.sum(), 1e-9),
                "cover80": float(((y >= part["lo80"]) & (y <= part["hi80"])).mean()),
                "cover95": float(((y >= part["lo95"]) & (y <= part["hi95"])).mean()),
                "folds": part["origin"].nunique(),
            }
        )
    return pd.DataFrame(rows).round(4)


def choose_model(table: pd.DataFrame) -> tuple[str, float]:
    """The model with the lowest WAPE over all roles (arrival-weighted by construction)."""
    overall = table[table["role"] == "all"].sort_values(["wape", "model"])
    best = overall.iloc[0]
    return str(best["model"]), float(best["wape"])
