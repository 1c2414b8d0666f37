"""benchmarks/forecast_real.py on a slice of the real bank call-volume data (first 5 weeks).

Imports the benchmark by path, scores naive + profile on 2 weekly folds and on a
train/test split of the slice, checks the --json output and the bad-input exit.
The statsforecast comparison is checked with a stand-in forecaster (fast, no
dependency) and, only with --slow and statsforecast installed, for real.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.paths import BANK_CALLS, REPO

BENCH = REPO / "benchmarks" / "forecast_real.py"
DATA = BANK_CALLS / "bank_calls_train.csv"
SPLIT = dt.date(2003, 3, 31)  # a Monday: weeks 1-4 train, week 5 test
END = dt.date(2003, 4, 7)
KEYS = {"wape_5min", "wape_hourly", "mase", "coverage80", "coverage95", "seconds"}

pytestmark = pytest.mark.skipif(not DATA.is_file(), reason=f"{DATA} not present")


def _load_bench():
    spec = importlib.util.spec_from_file_location("forecast_real_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fr():
    return _load_bench()


@pytest.fixture(scope="module")
def csvs(tmp_path_factory):
    """The first 5 weeks of the train CSV, plus its split into weeks 1-4 and week 5, as CSV files."""
    raw = pd.read_csv(DATA)
    day = pd.to_datetime(raw["DateTime"].str[:10]).dt.date
    folder = tmp_path_factory.mktemp("bank")
    paths = {}
    for name, rows in {"slice": day < END, "train": day < SPLIT, "test": (day >= SPLIT) & (day < END)}.items():
        paths[name] = folder / f"{name}.csv"
        raw[rows].to_csv(paths[name], index=False)
    return paths


@pytest.fixture(scope="module")
def backtest_result(fr, csvs):
    return fr.run(fr.load_counts(csvs["slice"]), folds=2, models=["naive", "profile"], sf=False)


def _check_metrics(metrics: dict, names: list[str]) -> None:
    assert set(names) <= set(metrics)
    for name in names:
        m = metrics[name]
        assert set(m) == KEYS, name
        for key in ("wape_5min", "wape_hourly", "mase", "seconds"):
            assert math.isfinite(m[key]) and m[key] >= 0, (name, key, m[key])
        # summing to the hour can only cancel errors (triangle inequality)
        assert m["wape_hourly"] <= m["wape_5min"] + 1e-12, name
        for key in ("coverage80", "coverage95"):
            assert 0.0 <= m[key] <= 1.0, (name, key)
        assert m["coverage80"] <= m["coverage95"], name


def test_load_counts_is_the_slot_frame(fr, csvs):
    counts = fr.load_counts(csvs["slice"])
    assert list(counts.columns) == ["date", "slot_start", "role", "tier", "count"]
    assert counts["date"].nunique() == 24  # 5 weeks of weekdays, Fri 2003-04-04 absent in the source
    assert counts.groupby("date").size().eq(169).all()  # 07:00 .. 21:00 inclusive
    assert counts["slot_start"].min() == "07:00" and counts["slot_start"].max() == "21:00"
    assert counts["count"].sum() == pd.read_csv(csvs["slice"])["Calls"].sum()


def test_backtest_scores(backtest_result):
    metrics = backtest_result["models"]
    _check_metrics(metrics, ["naive", "profile"])
    assert metrics["naive"]["mase"] == pytest.approx(1.0)
    # on this slice the decayed weekday profile beats seasonal naive (0.074 vs 0.082)
    assert metrics["profile"]["wape_5min"] < metrics["naive"]["wape_5min"]
    assert metrics["profile"]["mase"] < 1.0
    assert backtest_result["best"] == "profile"
    assert backtest_result["best_vs_naive"] == pytest.approx(metrics["profile"]["wape_5min"] / metrics["naive"]["wape_5min"])
    assert "2 weekly folds" in backtest_result["notes"][0]


def test_auto_row_is_the_model_it_picked_fitted_on_each_folds_training_data(fr, csvs):
    """The auto row is what the product would have forecast: its pick refitted on the fold's training data only."""
    from staffline.forecasting import make_model
    from staffline.forecasting.folds import rolling_folds

    counts = fr.load_counts(csvs["slice"])
    result = fr.run(counts, folds=2, models=["auto", "ensemble"], sf=False)
    _check_metrics(result["models"], ["naive", "auto", "ensemble"])
    preds, _, picks = fr.backtest_predictions(counts, ["auto"], 2)
    assert set(picks) == {f.origin.isoformat() for f in rolling_folds(counts, 2)} == set(result["auto_picks"])
    for fold in rolling_folds(counts, 2):
        pick = picks[fold.origin.isoformat()]
        assert pick["inner_folds"] >= 1 and pick["backtest_wape"] > 0
        again = fold.score_frame(make_model(pick["model"]))
        auto = preds[(preds["model"] == "auto") & (preds["origin"] == fold.origin)]
        np.testing.assert_allclose(auto["mean"].to_numpy(), again["mean"].to_numpy())
    assert "auto at " in fr.report(result) and "picked" in fr.report(result)


def test_score_matches_hand_computation(fr):
    """Two slots of one hour: WAPE, hourly WAPE, MASE and coverage by hand."""
    rows = []
    for model, means in {"naive": [10.0, 6.0], "m": [12.0, 9.0]}.items():
        for slot, y, f in zip(["09:00", "09:05"], [10, 10], means):
            rows.append(
                {
                    "origin": 1,
                    "date": dt.date(2003, 3, 3),
                    "slot_start": slot,
                    "role": "r",
                    "tier": "t",
                    "count": y,
                    "mean": f,
                    "lo80": f - 1,
                    "hi80": f + 1,
                    "lo95": f - 3,
                    "hi95": f + 3,
                    "model": model,
                }
            )
    metrics = fr.score(pd.DataFrame(rows), {"m": 1.5})
    assert metrics["m"]["wape_5min"] == pytest.approx((2 + 1) / 20)
    assert metrics["m"]["wape_hourly"] == pytest.approx(1 / 20)
    assert metrics["m"]["mase"] == pytest.approx(1.5 / 2.0)
    assert metrics["m"]["coverage80"] == 0.5 and metrics["m"]["coverage95"] == 1.0
    assert metrics["naive"]["wape_5min"] == pytest.approx(4 / 20) and metrics["naive"]["wape_hourly"] == pytest.approx(4 / 20)
    assert metrics["m"]["seconds"] == 1.5 and math.isnan(metrics["naive"]["seconds"])


def test_train_test_mode(fr, csvs):
    train, test = fr.load_counts(csvs["train"]), fr.load_counts(csvs["test"])
    result = fr.run(train, test, models=["profile"], sf=False)
    _check_metrics(result["models"], ["naive", "profile"])
    assert result["models"]["profile"]["wape_5min"] < result["models"]["naive"]["wape_5min"]
    preds, _, _ = fr.holdout_predictions(train, test, ["profile"])
    # every test slot is scored exactly once per model, none dropped or duplicated
    assert preds.groupby("model").size().eq(len(test)).all()
    assert preds.groupby("model")["count"].sum().eq(test["count"].sum()).all()


def test_json_output(fr, csvs, capsys):
    assert fr.main(["--train", str(csvs["slice"]), "--folds", "2", "--models", "profile", "--no-sf", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["best"] in out["models"] and out["best"] == "profile"
    assert set(out["models"]) == {"naive", "profile"}
    for m in out["models"].values():
        assert set(m) == KEYS
    assert out["statsforecast"]["ran"] is False


def test_json_output_train_test(fr, csvs, capsys):
    argv = ["--train", str(csvs["train"]), "--test", str(csvs["test"]), "--models", "profile", "--no-sf", "--json"]
    assert fr.main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["best"] == "profile" and "train/test" in out["notes"][0]


def test_table_output(fr, csvs, capsys):
    assert fr.main(["--train", str(csvs["slice"]), "--folds", "2", "--models", "profile", "--no-sf"]) == 0
    out = capsys.readouterr().out
    assert "wape_hourly" in out and "coverage95" in out
    assert "best staffline model on the test data itself (hindsight, not a product choice): profile" in out and "x seasonal naive" in out


@pytest.mark.parametrize("case", ["missing_file", "missing_column", "bad_value"])
def test_bad_input_exits_2_with_one_line(case, csvs, tmp_path):
    if case == "missing_file":
        path, field = tmp_path / "nope.csv", "no such file"
    else:
        path = tmp_path / f"{case}.csv"
        raw = pd.read_csv(csvs["test"])
        if case == "missing_column":
            raw = raw.drop(columns="Calls")
            field = "Calls"
        else:
            raw.loc[3, "DateTime"] = "not a time"
            field = "DateTime"
        raw.to_csv(path, index=False)
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--train", str(csvs["train"]), "--test", str(path), "--no-sf"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert str(path) in lines[0] and field in lines[0]
    assert proc.stdout == ""


def test_statsforecast_missing_is_reported(fr, csvs, monkeypatch):
    monkeypatch.setattr(fr, "statsforecast_status", lambda: "ModuleNotFoundError: No module named 'statsforecast'")
    result = fr.run(fr.load_counts(csvs["train"]), fr.load_counts(csvs["test"]), models=["profile"])
    assert result["statsforecast"]["ran"] is False and "not importable" in result["statsforecast"]["reason"]
    assert "statsforecast comparison skipped" in fr.report(result)
    assert set(result["models"]) == {"naive", "profile"}


def test_statsforecast_alignment_with_stand_in(fr, csvs, monkeypatch):
    """The sf_* path with a stand-in forecaster: 'repeat the value one week (845 intervals) earlier'.

    On the weekday-only series that is seasonal naive wherever the previous
    week had all five days, so sf rows must reproduce naive's predictions there.
    """

    def stand_in(name, history, horizon):
        mean = np.array([history[len(history) - fr.WEEKLY + k % fr.WEEKLY] for k in range(horizon)], float)
        nan = np.full(horizon, np.nan)
        return {"mean": mean, "lo80": nan, "hi80": nan, "lo95": nan, "hi95": nan}

    monkeypatch.setattr(fr, "statsforecast_status", lambda: None)
    monkeypatch.setattr(fr, "sf_forecast", stand_in)
    counts = fr.load_counts(csvs["slice"])
    result = fr.run(counts, folds=2, models=["profile"], sf_folds=1, sf_weeks=3)
    sf = result["statsforecast"]
    assert sf["ran"] and sf["folds"] == 1 and set(SF := ["sf_autoets", "sf_mstl"]) <= set(result["models"])
    for name in SF:
        m = result["models"][name]
        assert math.isnan(m["coverage80"]) and math.isnan(m["coverage95"])  # no intervals -> NaN
        assert m["wape_hourly"] <= m["wape_5min"]
    # last fold (2003-03-24 week) follows a complete week: stand-in == seasonal naive there
    ours = sf["our_models_on_same_folds"]
    assert result["models"]["sf_mstl"]["wape_5min"] == pytest.approx(ours["naive"]["wape_5min"])
    assert result["models"]["sf_mstl"]["mase"] == pytest.approx(1.0)
    assert sf["wape_ratio"] == pytest.approx(ours[sf["our_best"]]["wape_5min"] / result["models"][sf["their_best"]]["wape_5min"])
    assert "vs statsforecast on the same 1 fold(s)" in fr.report(result)
    json.dumps(fr._clean(result))  # NaN coverage serialises as null


@pytest.mark.slow
def test_statsforecast_for_real(fr, csvs):
    pytest.importorskip("statsforecast")
    train, test = fr.load_counts(csvs["train"]), fr.load_counts(csvs["test"])
    y = train["count"].to_numpy(float)
    fc = fr.sf_forecast("sf_mstl", y, 169)
    assert len(fc["mean"]) == 169 and np.isfinite(fc["mean"]).all()
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["mean"] + 1e-9).all() and (fc["hi80"] <= fc["hi95"]).all()
    assert fr._wape(test["count"].to_numpy(float)[:169], fc["mean"]) < 0.3
