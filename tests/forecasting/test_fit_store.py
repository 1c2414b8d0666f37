"""Fits kept on disk: another process on the same history reads them; any change of counts, settings or code refits."""

import dataclasses
import datetime as dt
import os

import pandas as pd
import pytest

from staffline.forecasting import fit_forecast, fit_store
from staffline.forecasting.fit_cache import FITS, FitCache
from staffline.io import load_instance
from tests.paths import REPO

COUNTS = pd.DataFrame({"count": [1, 2, 3]})


@pytest.fixture
def store(tmp_path, monkeypatch):
    folder = tmp_path / "fits"
    monkeypatch.setenv(fit_store.ENV, str(folder))
    return folder


def never():
    raise AssertionError("fitted again although the store holds this fit")


def test_a_new_process_reads_the_fit_an_earlier_one_stored(store):
    assert FitCache().get_or_fit(("auto", 8), COUNTS, lambda: {"fitted": 1}) == {"fitted": 1}
    assert len(list(store.glob("*" + fit_store.SUFFIX))) == 1
    assert FitCache().get_or_fit(("auto", 8), COUNTS, never) == {"fitted": 1}  # an empty memory: read from disk


def test_other_counts_settings_or_code_are_a_miss(store, monkeypatch):
    FitCache().get_or_fit(("auto", 8), COUNTS, lambda: "first")
    assert FitCache().get_or_fit(("auto", 8), COUNTS.assign(count=[1, 2, 4]), lambda: "other counts") == "other counts"
    assert FitCache().get_or_fit(("auto", 4), COUNTS, lambda: "other folds") == "other folds"
    fit_store.code_digest.cache_clear()
    monkeypatch.setattr(fit_store, "code_digest", lambda: "a changed model file")
    assert FitCache().get_or_fit(("auto", 8), COUNTS, lambda: "new code") == "new code"


def test_an_unreadable_file_is_a_miss_and_is_replaced(store):
    FitCache().get_or_fit(("m",), COUNTS, lambda: "good")
    (path,) = store.glob("*" + fit_store.SUFFIX)
    path.write_bytes(b"half a pickle")
    assert FitCache().get_or_fit(("m",), COUNTS, lambda: "refit") == "refit"
    assert FitCache().get_or_fit(("m",), COUNTS, never) == "refit"
    assert not list(store.glob(".partial-*"))  # no temporary file left behind


def test_off_writes_nothing_and_an_unwritable_folder_costs_only_the_refit(tmp_path, monkeypatch):
    monkeypatch.setenv(fit_store.ENV, "off")
    FitCache().get_or_fit(("m",), COUNTS, lambda: "x")
    assert fit_store.store_folder() is None
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(fit_store.ENV, str(blocker / "fits"))
    assert FitCache().get_or_fit(("m",), COUNTS, lambda: "y") == "y"
    assert FitCache().get_or_fit(("m",), COUNTS, lambda: "z") == "z"  # nothing could be stored: fitted again


def test_only_the_most_recently_used_fits_stay(store, monkeypatch):
    monkeypatch.setattr(fit_store, "KEEP", 2)
    for n in range(3):
        fit_store.save(("m", n), n)
        os.utime(fit_store._path(store, ("m", n)), (1000 + n, 1000 + n))  # distinct ages: n = 0 is the oldest
    assert fit_store.load(("m", 0)) is None
    assert fit_store.load(("m", 1)) == 1 and fit_store.load(("m", 2)) == 2


def test_a_stored_auto_fit_forecasts_exactly_as_the_fresh_one(store, monkeypatch):
    inst = load_instance(REPO / "instances" / "jiangdong")
    history = inst.history[inst.history["issued_at"] >= inst.history["issued_at"].max() - pd.Timedelta(weeks=6)]
    tiny = dataclasses.replace(inst, history=history)
    week = (history["issued_at"].max() + pd.Timedelta(days=7)).date()
    week -= dt.timedelta(days=week.weekday())
    FITS.clear()
    fresh, info = fit_forecast(tiny, week, "auto", folds=2)
    FITS.clear()  # as a new process: only the disk has it
    monkeypatch.setattr("staffline.forecasting.baseline.make_model", lambda *a, **k: never())
    stored, stored_info = fit_forecast(tiny, week, "auto", folds=2)
    pd.testing.assert_frame_equal(stored, fresh)
    assert stored_info == info
    FITS.clear()
