"""The roster is built for the forecast the branch (or the caller) chose, and says which one."""

import json

import pytest
from click.testing import CliRunner

import staffline
from staffline.branch_config import parse_branch
from staffline.cli import main
from staffline.errors import InputError, ProblemLog
from staffline.forecasting import MODEL_NAMES
from staffline.io import write_instance
from tests.optimizer.branches import small_branch


@pytest.fixture(scope="module")
def branch():
    return small_branch(n_staff=5, n_roles=2, seed=3)


def test_auto_is_the_default_and_its_pick_is_recorded(branch):
    p = staffline.plan(branch, time_limit=3, workers=1)
    info = p.kpis["forecast"]
    assert info["requested"] == "auto" and info["model"] in MODEL_NAMES and info["model"] != "auto"
    assert p.forecast_info is not None and p.forecast_info.model == info["model"]


def test_a_different_model_changes_the_demand_the_roster_sees(branch, small_quick_plan):
    naive = staffline.plan(branch, time_limit=3, workers=1, model="naive")
    profile = small_quick_plan[1]  # plan(small_branch(), its default week, time_limit=3, workers=1, model="profile"), made once
    assert small_quick_plan[0] == branch and profile.week_start == naive.week_start
    assert naive.kpis["forecast"]["model"] == "naive" and profile.kpis["forecast"]["model"] == "profile"
    assert not naive.forecast["mean"].equals(profile.forecast["mean"])
    arrivals = [sum(r["arrivals"] for r in p.kpis["roles"].values()) for p in (naive, profile)]
    assert arrivals[0] != pytest.approx(arrivals[1])  # the optimizer's coverage is built from the chosen forecast


def test_branch_toml_forecast_section_sets_the_model(branch, tmp_path):
    from staffline.branch_config import branch_to_toml

    text = branch_to_toml(branch.branch).replace('model = "auto"', 'model = "topdown"')
    log = ProblemLog()
    parsed = parse_branch(text, log)
    assert not log.problems and parsed.forecast.model == "topdown"
    write_instance(branch, tmp_path / "b")
    (tmp_path / "b" / "branch.toml").write_text(text)
    res = CliRunner().invoke(main, ["forecast", str(tmp_path / "b"), "--out", str(tmp_path / "o"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["model"] == "topdown"


def test_unknown_model_is_bad_input_naming_the_field(branch, tmp_path):
    from staffline.branch_config import branch_to_toml

    log = ProblemLog()
    parse_branch(branch_to_toml(branch.branch).replace('model = "auto"', 'model = "prophet"'), log)
    assert [p.field for p in log.problems] == ["forecast.model"]
    assert "unknown forecast model 'prophet'" in log.problems[0].message
    with pytest.raises(InputError, match="unknown forecast model"):
        staffline.plan(branch, time_limit=1, model="prophet")


def test_roster_cli_model_option_reaches_kpis(branch, tmp_path):
    write_instance(branch, tmp_path / "b")
    res = CliRunner().invoke(
        main, ["roster", str(tmp_path / "b"), "--out", str(tmp_path / "o"), "--time-limit", "3", "--workers", "1", "--model", "naive", "-q"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "o" / "kpis.json").read_text())["forecast"]["model"] == "naive"
