"""The top-level library API (`import staffline`): names, types, and that each verb does its stage's job."""

import subprocess
import sys

import pandas as pd
import pytest

import staffline
from staffline.api import RosterResult, Simulation
from staffline.errors import InputError
from staffline.optimizer.check import check_roster
from staffline.pipeline import forecast_week
from tests.paths import REPO

ROSTER_COLUMNS = ["employee", "date", "start", "end", "role"]


@pytest.fixture(scope="module")
def branch(small_plan):
    return small_plan[0]


@pytest.fixture(scope="module")
def planned(small_plan):
    """``staffline.plan(branch, time_limit=5, workers=1, seed=0)``: tests/conftest.py's small_plan."""
    return small_plan[1]


def test_every_documented_name_is_exported_and_documented():
    for name in staffline.__all__:
        obj = getattr(staffline, name)
        assert obj.__doc__ and obj.__doc__.strip(), name
    assert set(staffline.__all__) <= set(dir(staffline))
    with pytest.raises(AttributeError, match="no attribute 'roster_magic'"):
        staffline.roster_magic  # noqa: B018


def test_import_staffline_does_not_load_the_solvers():
    """`import staffline` (and so the CLI's --help) stays light: the API loads on first use."""
    code = "import sys, staffline; print('ortools' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out.split() == ["False", "False"]


def test_plan_roster_is_the_roster_frame_and_result_the_solver_answer(planned, branch):
    assert isinstance(planned.result, RosterResult)
    assert isinstance(planned.roster, pd.DataFrame)
    assert list(planned.roster.columns) == ROSTER_COLUMNS
    assert planned.status in ("optimal", "feasible")
    assert not planned.roster.empty
    assert set(planned.roster["employee"]) <= {e.id for e in branch.staff}
    assert planned.kpis["status"] == planned.status
    assert {"date", "slot_start", "role", "mean", "appointments"} <= set(planned.forecast.columns)
    assert {"date", "slot_start", "role", "n_required"} <= set(planned.requirements.columns)
    assert planned.simulation is None  # only with simulate_reps


def test_stage_verbs_compose_like_plan(branch, planned):
    """forecast -> requirements -> solve_roster, called one by one, rebuild what plan() built."""
    frame = staffline.forecast(branch)
    pd.testing.assert_frame_equal(frame, planned.forecast)
    pd.testing.assert_frame_equal(staffline.requirements(branch, forecast=frame), planned.requirements)
    pd.testing.assert_frame_equal(staffline.requirements(branch), planned.requirements)
    result = staffline.solve_roster(branch, forecast=frame, time_limit=5, workers=1, seed=0)
    assert result.status in ("optimal", "feasible")
    demand = forecast_week(branch, planned.week_start)
    report = check_roster(branch, result.roster, planned.week_start, demand.frame, demand.aht_minutes)
    assert report.violations == []


def test_solve_roster_rosters_for_the_forecast_it_is_given(branch, planned):
    """A caller's edited forecast is what the roster is built for: more walk-ins cost more wait."""
    busier = planned.forecast.assign(mean=planned.forecast["mean"] * 3)
    result = staffline.solve_roster(branch, forecast=busier, time_limit=5, workers=1, seed=0)
    assert result.status in ("optimal", "feasible")
    assert result.kpis["week_start"] == planned.kpis["week_start"]  # the week comes from the forecast's dates
    arrivals = sum(r["arrivals"] for r in result.kpis["roles"].values())
    assert arrivals == pytest.approx(3 * sum(r["arrivals"] for r in planned.kpis["roles"].values()), rel=1e-3)
    assert result.objective > planned.result.objective  # wait + weighted labour cost


def test_simulate_replays_a_roster_with_common_random_numbers(branch, planned):
    a = staffline.simulate(branch, planned.roster, reps=5, seed=1)
    b = staffline.simulate(branch, planned.roster, reps=5, seed=1)
    assert isinstance(a, Simulation)
    assert a.week_start == planned.week_start
    assert set(a.kpis) <= set(branch.branch.role_names) and a.kpis
    assert a.kpis == b.kpis
    pd.testing.assert_frame_equal(a.hourly, b.hourly)


def test_simulate_names_a_roster_spanning_two_weeks(branch, planned):
    later = planned.roster.assign(date="2099-01-01")
    with pytest.raises(InputError, match="more than one week"):
        staffline.simulate(branch, pd.concat([planned.roster, later]), reps=1)


@pytest.mark.slow
def test_issue_one_liner_runs_and_writes_nothing(tmp_path):
    """The command of issue 28's 'done when', verbatim, from a folder that must stay untouched."""
    import shutil

    shutil.copytree(REPO / "instances" / "jiangdong", tmp_path / "instances" / "jiangdong")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code = "import staffline as s; p = s.plan(s.load_instance('instances/jiangdong'), time_limit=20); print(p.roster.head())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:5] == ROSTER_COLUMNS
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
