"""Rolling-origin folds: the weekly train/test splits every backtest and every automatic choice uses.

Fold k (k = 1..folds) trains on everything before a Monday k weeks before
the end of the history and tests on the 7 days from it. One module so the
backtest table, the ensemble's member choice and ``auto``'s model choice
all see exactly the same splits of exactly the data they are given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

CELL_KEYS = ["date", "slot_start", "role", "tier"]
PRED_COLUMNS = ["mean", "lo80", "hi80", "lo95", "hi95"]


@dataclass(frozen=True)
class Fold:
    """One weekly split: fit on ``train``, forecast ``dates`` x ``slots``, score on ``test``."""

    origin: dt.date
    train: pd.DataFrame
    test: pd.DataFrame
    dates: list[dt.date]
    slots: dict[dt.date, list[str]]

    def score_frame(self, model, intervals: bool = True) -> pd.DataFrame:
        """The test rows with ``model``'s prediction (fitted on ``train``) beside each count; missing cells predict 0.

        ``intervals=False`` predicts the mean only (model ranking needs no more).
        """
        fitted = model.fit(self.train)
        return self.attach(fitted.predict(self.dates, self.slots) if intervals else fitted.predict_mean(self.dates, self.slots))

    def attach(self, pred: pd.DataFrame) -> pd.DataFrame:
        """The test rows, in their order, with ``pred``'s columns for the same cells (0 where it has none)."""
        return self.test.merge(pred, on=CELL_KEYS, how="left").fillna({c: 0.0 for c in PRED_COLUMNS if c in pred})


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


def rolling_folds(counts: pd.DataFrame, folds: int) -> list[Fold]:
    """The last ``folds`` weekly splits that have both training and test days, oldest first."""
    c = counts.assign(date=pd.to_datetime(counts["date"]).dt.date)
    out = []
    for origin in fold_origins(c, folds):
        train = c[c["date"] < origin]
        test = c[(c["date"] >= origin) & (c["date"] < origin + dt.timedelta(days=7))].reset_index(drop=True)
        if train.empty or test.empty:
            continue
        dates = sorted(test["date"].unique())
        slots = {d: sorted(test.loc[test["date"] == d, "slot_start"].unique()) for d in dates}
        out.append(Fold(origin, train, test, dates, slots))
    return out
