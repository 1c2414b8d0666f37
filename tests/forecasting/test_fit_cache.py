"""A fit is reused only for the very same counts and settings, and a reused fit forecasts exactly as a fresh one."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from staffline.forecasting import fit_forecast, slot_counts
from staffline.forecasting.fit_cache import FITS, FitCache, counts_digest
from staffline.io import load_instance
from tests.paths import REPO


@pytest.fixture(autouse=True)
def memory_only(monkeypatch):
    """These tests are about the in-process cache: the disk store (test_fit_store.py) stays out of them."""
    monkeypatch.setenv("STAFFLINE_CACHE_DIR", "off")


def test_the_cache_fits_once_per_key_and_forgets_the_oldest():
    cache, calls = FitCache(size=2), []
    counts = pd.DataFrame({"count": [1, 2, 3]})

    def fit(tag):
        return lambda: calls.append(tag) or tag

    assert cache.get_or_fit(("a",), counts, fit("a")) == "a"
    assert cache.get_or_fit(("a",), counts, fit("a again")) == "a"  # reused
    assert cache.get_or_fit(("b",), counts, fit("b")) == "b"
    assert cache.get_or_fit(("a",), counts.assign(count=[1, 2, 4]), fit("other counts")) == "other counts"
    assert calls == ["a", "b", "other counts"] and len(cache) == 2
    assert cache.get_or_fit(("a",), counts, fit("refit")) == "refit"  # ("a", counts) was the oldest and went


def test_the_digest_changes_with_any_value_index_or_column():
    counts = pd.DataFrame({"count": [1, 2, 3]}, index=[0, 1, 2])
    digest = counts_digest(counts)
    assert counts_digest(counts.copy()) == digest
    assert counts_digest(counts.assign(count=[1, 2, 5])) != digest
    assert counts_digest(counts.set_axis([0, 1, 3])) != digest
    assert counts_digest(counts.rename(columns={"count": "n"})) != digest


@pytest.fixture(scope="module")
def tiny():
    """jiangdong's last eight weeks: enough history for every model, quick to fit."""
    inst = load_instance(REPO / "instances" / "jiangdong")
    history = inst.history[inst.history["issued_at"] >= inst.history["issued_at"].max() - pd.Timedelta(weeks=8)]
    return dataclasses.replace(inst, history=history)


@pytest.mark.parametrize("model", ["profile", "daylevel"])
def test_a_reused_fit_forecasts_exactly_as_a_fresh_one_and_new_tickets_refit(tiny, model):
    week = (tiny.history["issued_at"].max() + pd.Timedelta(days=7)).date()
    week -= dt.timedelta(days=week.weekday())
    FITS.clear()
    first, info = fit_forecast(tiny, week, model, folds=2)
    again, info_again = fit_forecast(tiny, week + dt.timedelta(days=7), model, folds=2)  # another week from the same fit
    assert len(FITS) == 1 and info_again == info
    FITS.clear()
    fresh, _ = fit_forecast(tiny, week + dt.timedelta(days=7), model, folds=2)
    pd.testing.assert_frame_equal(again, fresh)
    more = dataclasses.replace(tiny, history=pd.concat([tiny.history, tiny.history.tail(50)], ignore_index=True))
    assert counts_digest(slot_counts(more)) != counts_digest(slot_counts(tiny))
    fit_forecast(more, week, model, folds=2)
    assert len(FITS) == 2  # new tickets: a new fit, not the cached one
    assert not first.empty
