"""Roster solving: every returned roster passes the independent checker."""

import json

import pytest

from staffline.io import load_instance
from staffline.optimizer.check import check_roster
from staffline.pipeline import default_week, forecast_week, plan, write_plan
from tests.optimizer.branches import WEEK, small_branch


def assert_checked(inst, p):
    demand = forecast_week(inst, p.week_start)
    report = check_roster(inst, p.roster, p.week_start, demand.frame, demand.aht_minutes)
    assert report.ok, [str(v) for v in report.violations]
    assert report.cost == pytest.approx(p.kpis["cost"], abs=0.01)
    assert report.penalties == pytest.approx(p.kpis["penalties"])
    return report


def test_small_week_solves_and_passes_the_checker(small_plan):
    """The session's small plan (5 s, one worker, seed 0; this test made its own with 8 s): nothing here depends on the limit."""
    branch5, p = small_plan
    assert p.result.status in ("optimal", "feasible")
    assert p.week_start == WEEK
    roster = p.roster
    assert list(roster.columns) == ["employee", "date", "start", "end", "role"]
    assert not roster.empty
    assert p.result.bound <= p.result.objective + 1e-6
    report = assert_checked(branch5, p)
    assert report.objective == pytest.approx(p.kpis["roster_objective"])
    assert p.kpis["hard_violations"] == []


def test_outputs_are_written(small_plan, tmp_path):
    branch5, p = small_plan  # plan(small_branch(), time_limit=5, workers=1, seed=0), shared with tests/test_api.py
    paths = write_plan(p, branch5, tmp_path)
    assert {x.name for x in paths} == {"forecast.csv", "requirements.csv", "roster.csv", "roster_wide.csv", "coverage.csv", "kpis.json"}
    kpis = json.loads((tmp_path / "kpis.json").read_text())
    for key in ("objective", "bound", "gap", "status", "solve_seconds", "cost", "penalties"):
        assert key in kpis
    for role in branch5.branch.role_names:
        assert {"expected_wait_minutes", "service_level"} <= set(kpis["roles"][role])
    assert "off" in (tmp_path / "roster_wide.csv").read_text()


def test_same_seed_one_worker_gives_the_same_roster(small_plan):
    """A second run of the session's small plan (same branch, seed, limit, one worker) gives its roster again."""
    branch5, first = small_plan
    again = plan(branch5, time_limit=5, workers=1, seed=0).roster
    assert first.roster.equals(again)


def test_headcount_what_if_lowers_staff_on_duty():
    """The cap holds in every slot, and the capped plan costs no less than the uncapped one can (its rosters are a subset).

    Why not compare one role's wait: 5 s of one worker leaves both plans
    short of their optimum, by amounts that depend on the search's path
    (counter wait 1,177.7 uncapped against 970.7 capped, once).
    """
    inst = small_branch(6, 2, seed=5)
    wide = plan(inst, time_limit=5, workers=1)
    tight = plan(inst, time_limit=5, workers=1, headcount=4)
    assert tight.result.status in ("optimal", "feasible")
    assert tight.result.coverage.groupby(["date", "slot_start"])["rostered"].sum().max() <= 4
    assert tight.kpis["objective"] >= wide.kpis["bound"] - 1e-6


@pytest.mark.slow
def test_jiangdong_staffs_the_two_peaks(library_guide_first_block):
    """jiangdong's default week planned with 30 s and two workers: the library guide's first block, run once for both tests (CI time)."""
    first = library_guide_first_block
    # the block still makes this test's call: plan(jiangdong, its default week, time_limit=30, default two workers)
    assert "time_limit=30," in first.code and "workers" not in first.code
    inst = load_instance("instances/jiangdong")
    p = first.namespace["p"]
    assert p.week_start == default_week(inst)
    assert p.result.status in ("optimal", "feasible")
    assert_checked(inst, p)
    cov = p.result.coverage
    weekdays = cov[(cov["role"] == "counter") & (pd_weekday(cov["date"]) < 5)]
    by_hour = weekdays.groupby(weekdays["slot_start"].str[:2])["rostered"].mean()
    assert by_hour["10"] > by_hour["13"] and by_hour["15"] > by_hour["13"]


def pd_weekday(dates):
    import pandas as pd

    return pd.to_datetime(dates).dt.day_of_week


def test_expected_demand_roster_passes_the_checker_on_the_same_objective():
    """With demand = "expected" the checker scores the expected curves too: its customer-minutes are the roster's."""
    from staffline.model import ObjectiveWeights
    from staffline.optimizer.roster import solve_roster

    inst = small_branch(objective=ObjectiveWeights(demand="expected", vip_wait_multiplier=1.0))  # kpis count VIPs once
    week = default_week(inst)
    demand = forecast_week(inst, week, model="profile")
    result = solve_roster(inst, demand, week, time_limit=3, workers=1, seed=0, backend="cpsat")
    assert result.status in ("optimal", "feasible")
    report = check_roster(inst, result.roster, week, demand.frame, demand.aht_minutes)
    assert report.ok, [str(v) for v in report.violations]
    solver_minutes = sum(r["customer_minutes_waited"] for r in result.kpis["roles"].values())
    assert report.customer_minutes == pytest.approx(solver_minutes, rel=1e-3, abs=1.0)
    plain = small_branch(objective=ObjectiveWeights(vip_wait_multiplier=1.0))
    mean = check_roster(plain, result.roster, week, demand.frame, demand.aht_minutes)
    assert report.customer_minutes > mean.customer_minutes  # Jensen: an uncertain rate waits more


@pytest.mark.parametrize("threads", [1, 2])
def test_the_search_takes_the_role_reserve_that_polished_days_leave(threads):
    """Days with more people on duty than CP-SAT's day model takes are only polished: the search may use the rest of role assignment's reserve.

    A roster of small days spares nothing (the reserve was sized for them);
    one of big days spares all but their polishing; a day at the margin
    still counts as solved.
    """
    from staffline.deadline import after_search_reserve, role_assignment_seconds
    from staffline.optimizer.roster import SOLVED_DAY_MOST_PEOPLE, spared_role_seconds

    reserve, _ = after_search_reserve(6, 7, 60.0, threads)
    assert spared_role_seconds(6, reserve, 60.0, threads, [5] * 7) == pytest.approx(0.0)
    assert spared_role_seconds(6, reserve, 60.0, threads, [SOLVED_DAY_MOST_PEOPLE] * 7) == pytest.approx(0.0)
    spared = spared_role_seconds(6, reserve, 60.0, threads, [SOLVED_DAY_MOST_PEOPLE + 1] * 7)
    assert spared == pytest.approx(reserve - role_assignment_seconds(6, 0, 7, 60.0, threads)) and spared > 0
    assert spared_role_seconds(6, 0.0, 60.0, threads, [SOLVED_DAY_MOST_PEOPLE + 1] * 7) == 0.0  # no reserve: nothing to spare
