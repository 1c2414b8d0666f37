"""Fitted forecast models kept per process, keyed by the exact history they were fitted on.

Why: ``auto`` scores every candidate on rolling folds before it fits the
winner (several seconds on a branch-year of tickets), and a planner's day
fits the same history again and again: each what-if of a library loop, the
checker's ``forecast_week`` after ``plan``, ``replan`` after the plan it
repairs, ``intraday`` on the published week. A fit depends only on the slot
counts, the model name and its settings, so a digest of the counts plus those
settings is a safe key: a changed ticket changes the digest. Fitted models
are not changed by ``predict``; the cache keeps the few most recent ones.
A miss here asks the disk store (:mod:`.fit_store`) before fitting, so
separate processes on the same history share one fit as well.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Callable, TypeVar

import pandas as pd

from staffline.forecasting import fit_store

T = TypeVar("T")

CACHE_SIZE = 8  # fits kept per process (a fitted auto model of a branch-year is a few MB)


def counts_digest(counts: pd.DataFrame) -> str:
    """A digest of the counts' values, index and column names: equal digests mean the same history."""
    values = pd.util.hash_pandas_object(counts, index=True).to_numpy()
    return hashlib.sha256(values.tobytes() + repr(list(counts.columns)).encode()).hexdigest()


class FitCache:
    """A small least-recently-used store of fits; safe to share between threads."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_fit(self, settings: tuple, counts: pd.DataFrame, fit: Callable[[], T]) -> T:
        """``fit()``'s result for these settings and counts, fitted at most once while it stays in the cache."""
        key = (repr(settings), counts_digest(counts))
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = fit_store.load(key)
        if value is None:
            value = fit()  # outside the lock: a slow fit does not hold up other threads' lookups
            fit_store.save(key, value)
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


FITS = FitCache()
