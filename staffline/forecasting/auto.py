"""``auto``: the forecast model chosen on rolling folds of the given history, the way the product runs it.

The candidates are the product's own models, each scored out of sample on
the last ``folds`` weeks of the history it is given (nothing after it): the
seasonal naive, profile, poisson and topdown models with their defaults, and
the ensemble, scored prequentially (on fold j its members were chosen on
folds before j). The lowest pooled WAPE wins; ties go to the earlier name.

Why 8 folds and no recency weighting (measured on the shared bank series when
topdown was still the ensemble's day-level member,
rolling one-week-ahead over its last 8 training weeks): with 4 or 6 folds
the pick flipped between the ensemble and poisson from week to week (3 and 1
of 8 weeks poisson; WAPE 0.0844 and 0.0846), with 8 or 12 it was the ensemble
every week (0.0846): the same accuracy, a steadier forecast. Weighting recent
folds (half-lives 2-5 weeks) made a single-model choice noisier, not better
(0.0850-0.0914). With too little history for any fold, ``auto`` falls back
to the weekday profile and says so (``backtest_wape`` None). With fewer than
``MIN_FOLDS`` folds it scores the candidates but still takes the profile:
one or two weeks cannot tell models apart (on a 2-week synthetic branch the
candidates' WAPE differed by 0.03 on one fold, far inside a week's noise),
and a pick on noise would change the roster for nothing.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from staffline.forecasting.base_models import BASE_MODELS
from staffline.forecasting.combination import Ensemble, candidate_specs, prequential_means
from staffline.forecasting.estimators import ForecastModel
from staffline.forecasting.fold_bank import FoldBank, Spec, lowest

SINGLE_CANDIDATES = ["naive", "profile", "poisson", "topdown"]
FALLBACK = "profile"
MIN_FOLDS = 3  # fewer weeks to score on: take the fallback (the scores are still reported)


class Auto(ForecastModel):
    """Backtest the candidates on the given history's folds, refit the winner on all of it, forecast with it.

    After ``fit``: ``chosen`` (the fitted model; ``chosen.name`` and
    ``chosen.describe()`` say which), ``backtest_wape`` (its out-of-sample
    WAPE on the folds), ``scores`` (every candidate's) and ``folds_used``.
    """

    name = "auto"
    interval_method = "those of the model it picks"

    def __init__(self, folds: int = 8, holiday_country: str | None = None, holidays: tuple = ()):
        self.folds = folds
        self.calendar = {"holiday_country": holiday_country, "holidays": tuple(holidays)}  # for the day-level family

    def fit(self, counts: pd.DataFrame) -> "Auto":
        super().fit(counts)
        bank = FoldBank(counts, self.folds, [Spec(name) for name in SINGLE_CANDIDATES] + candidate_specs(), self.calendar)
        self.folds_used = bank.n_folds
        if not bank.n_folds:
            self.scores, self.backtest_wape = {}, None
            self.chosen = BASE_MODELS[FALLBACK]().fit(counts)
            return self
        self.scores = {name: bank.wape(Spec(name)) for name in SINGLE_CANDIDATES}
        self.scores[Ensemble.name] = bank.wape_of(prequential_means(bank))
        pick = lowest(self.scores) if bank.n_folds >= MIN_FOLDS else FALLBACK
        self.backtest_wape = self.scores[pick]
        if pick == Ensemble.name:
            self.chosen = Ensemble(self.folds, **self.calendar).fit(counts, bank)
        else:  # its intervals calibrated on the residuals the bank already holds: no refit per fold
            self.chosen = Spec(pick).make(self.calendar).fit(counts)
            self.chosen.calibrate(bank.residuals(dict(enumerate(bank.mean[Spec(pick)]))))
        return self

    def predict(self, dates: list[dt.date], slots_by_date: dict) -> pd.DataFrame:
        return self.chosen.predict(dates, slots_by_date)

    def predict_mean(self, dates: list[dt.date], slots_by_date: dict) -> pd.DataFrame:
        return self.chosen.predict_mean(dates, slots_by_date)

    def describe(self) -> str:
        return self.chosen.describe()
