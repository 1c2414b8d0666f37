"""Rolling-origin backtests: how each forecast model would have done on the last weeks.

Fold k (k = 1..folds) fits on everything before a Monday k weeks before the
end of the history and forecasts the 7 days from it. Per model and role:
WAPE = sum|y - yhat| / sum y; MASE = MAE / MAE of the seasonal-naive model on
the same fold; bias = sum(yhat - y) / sum y; cover80 / cover95 = share of slot
counts inside the 80% / 95% intervals (nominal 0.8 / 0.95).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from staffline.forecasting.base_models import BASE_MODELS
from staffline.forecasting.calibration import rolling_predictions
from staffline.forecasting.folds import fold_origins, rolling_folds
from staffline.forecasting.registry import make_model

__all__ = ["METRICS", "backtest", "choose_model", "fold_origins", "fold_predictions", "scored_folds"]

METRICS = ["wape", "mase", "bias", "cover80", "cover95"]


def fold_predictions(counts: pd.DataFrame, models: list[str], folds: int = 4, params: Callable[[str], dict] | None = None) -> pd.DataFrame:
    """Actual and predicted counts (with intervals) of every test slot, model and fold.

    Any name of ``MODEL_NAMES`` works, ``auto`` too (it then chooses on each
    fold's training data only). ``params(name)`` gives a model's constructor
    arguments (the branch's holiday calendar for the models that read one).
    """
    out = []
    for name in dict.fromkeys(["naive", *models]):
        for fold, frame in scored_folds(name, counts, folds, **(params(name) if params else {})):
            out.append(frame.assign(model=name, origin=fold.origin))
    return pd.concat(out, ignore_index=True)


def scored_folds(name: str, counts: pd.DataFrame, folds: int, **params) -> list:
    """``(fold, test rows with model ``name``'s prediction)`` on the last ``folds`` weeks, each fitted on the data before it.

    A single model's calibration backtests each fold's history; those refits are
    shared between folds (:func:`.calibration.rolling_predictions`). ``auto`` and
    ``ensemble`` calibrate on their own fold bank.
    """
    if name in BASE_MODELS:
        return rolling_predictions(lambda: make_model(name, **params), counts, folds)
    return [(fold, fold.score_frame(make_model(name, **params))) for fold in rolling_folds(counts, folds)]


def backtest(counts: pd.DataFrame, models: list[str], folds: int = 4, params: Callable[[str], dict] | None = None) -> pd.DataFrame:
    """``model, role, wape, mase, bias, cover80, cover95, folds`` (plus role ``all``); ``params`` as in :func:`fold_predictions`."""
    preds = fold_predictions(counts, models, folds, params)
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
