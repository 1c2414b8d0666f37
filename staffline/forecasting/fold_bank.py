"""Every candidate model setting's predictions on the same rolling folds, fitted once.

The ensemble chooses its members and ``auto`` chooses its model from the
same table of out-of-sample predictions, so each candidate is fitted once per
fold, never once per question asked of it. Everything here sees only the
counts it was built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from staffline.forecasting.base_models import BASE_MODELS
from staffline.forecasting.calibration import Residuals, residuals_of
from staffline.forecasting.folds import rolling_folds

TIE_DECIMALS = 12  # WAPEs equal to this many decimals are ties, broken by candidate order (not by float noise)


def lowest(scores: Mapping):
    """The key with the lowest score; ties (to ``TIE_DECIMALS``) go to the earliest key."""
    order = list(scores)
    return min(order, key=lambda k: (round(scores[k], TIE_DECIMALS), order.index(k)))


@dataclass(frozen=True)
class Spec:
    """One candidate: a base model family and keyword arguments (empty: the family's defaults)."""

    family: str
    params: tuple[tuple[str, float], ...] = ()

    @property
    def kwargs(self) -> dict:
        return dict(self.params)

    @property
    def label(self) -> str:
        if not self.params:
            return self.family
        return f"{self.family}(" + ", ".join(f"{k}={v:g}" for k, v in self.params) + ")"

    def make(self, calendar: Mapping | None = None):
        """An unfitted model; ``calendar`` (``holiday_country``, ``holidays``) goes to a model that uses one."""
        model = BASE_MODELS[self.family]
        return model(**self.kwargs, **(calendar or {})) if model.uses_calendar else model(**self.kwargs)


class FoldBank:
    """Out-of-sample means of every ``spec`` on the last ``folds`` rolling weeks of ``counts``.

    ``tests[j]`` are fold j's test rows, ``y[j]`` their actual counts and
    ``mean[spec][j]`` the spec's forecast of them; folds are oldest first.
    """

    def __init__(self, counts: pd.DataFrame, folds: int, specs: Iterable[Spec], calendar: Mapping | None = None):
        self.specs = list(dict.fromkeys(specs))
        splits = rolling_folds(counts, folds) if folds > 0 else []
        self.origins = [fold.origin for fold in splits]
        self.tests = [fold.test for fold in splits]
        self.y = [fold.test["count"].to_numpy(float) for fold in splits]
        self.mean = {
            spec: [fold.score_frame(spec.make(calendar), intervals=False)["mean"].to_numpy(float) for fold in splits] for spec in self.specs
        }

    @property
    def n_folds(self) -> int:
        return len(self.y)

    def wape_of(self, predictions: Mapping[int, np.ndarray]) -> float:
        """Pooled WAPE, sum|y - f| / sum y, over the folds ``predictions`` covers (fold index -> means)."""
        error = sum(float(np.abs(self.y[j] - f).sum()) for j, f in predictions.items())
        volume = sum(float(self.y[j].sum()) for j in predictions)
        return error / volume if volume > 0 else 0.0

    def wape(self, spec: Spec, folds: Iterable[int] | None = None) -> float:
        folds = range(self.n_folds) if folds is None else folds
        return self.wape_of({j: self.mean[spec][j] for j in folds})

    def best(self, specs: list[Spec], folds: Iterable[int]) -> Spec:
        """The spec with the lowest WAPE on ``folds``; with no folds (or a tie) the first one."""
        folds = list(folds)
        if not folds:
            return specs[0]
        return lowest({spec: self.wape(spec, folds) for spec in specs})

    def best_per_family(self, folds: Iterable[int], families: Mapping[str, list[Spec]]) -> list[Spec]:
        folds = list(folds)
        return [self.best(specs, folds) for specs in families.values()]

    def residuals(self, predictions: Mapping[int, np.ndarray]) -> Residuals:
        """The out-of-sample residuals of ``predictions`` (fold index -> means), for interval calibration."""
        return Residuals.concat(residuals_of(self.tests[j], f) for j, f in predictions.items())
