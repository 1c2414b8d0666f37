"""`staffline simulate` and `staffline roster --simulate` on a small generated branch."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from staffline.cli import main
from staffline.io import write_instance
from staffline.synthetic import generate_instance


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    write_instance(generate_instance(6, 2, weeks=3, seed=11), root / "branch")
    res = CliRunner().invoke(
        main,
        ["roster", str(root / "branch"), "--out", str(root / "out"), "--time-limit", "5", "--workers", "1", "--simulate", "20", "--json"],
    )
    assert res.exit_code == 0, res.output
    return root, json.loads(res.output)


def test_roster_simulate_adds_simulated_kpis_beside_expected(planned):
    root, kpis = planned
    for role, expected in kpis["roles"].items():
        sim = kpis["simulated"][role]
        assert sim["reps"] == 20
        assert sim["wait_per_arrival"]["lo95"] <= sim["wait_per_arrival"]["mean"] <= sim["wait_per_arrival"]["hi95"]
        assert 0.0 <= sim["service_level"]["mean"] <= 1.0 and expected["arrivals"] > 0
    hourly = pd.read_csv(root / "out" / "simulation.csv")
    assert list(hourly.columns) == ["date", "hour", "role", "arrivals", "wait_per_arrival", "lo95", "hi95"]
    assert json.loads((root / "out" / "kpis.json").read_text())["simulated"].keys() == kpis["roles"].keys()


def test_simulate_command_is_seeded_and_writes_json(planned, tmp_path):
    root, _ = planned
    args = ["simulate", str(root / "branch"), "--roster", str(root / "out" / "roster.csv"), "--reps", "10", "--json"]
    first = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a")])
    second = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "b")])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == json.loads(second.output)
    assert (tmp_path / "a" / "simulation.json").read_text() == (tmp_path / "b" / "simulation.json").read_text()


def test_simulate_bad_roster_row_exits_2_naming_row_and_field(planned, tmp_path):
    root, _ = planned
    roster = pd.read_csv(root / "out" / "roster.csv", dtype=str)
    roster.loc[1, "employee"] = "nobody"
    bad = tmp_path / "roster.csv"
    roster.to_csv(bad, index=False)
    res = CliRunner().invoke(main, ["simulate", str(root / "branch"), "--roster", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "roster.csv row 3, field employee" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()
