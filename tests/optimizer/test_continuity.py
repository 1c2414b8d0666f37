"""Week-to-week continuity: last week's roster constrains this week's, and the checker sees the boundary."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner

from staffline.cli import main
from staffline.constraints.registry import build_rules
from staffline.constraints.rules import Fairness
from staffline.errors import InputError
from staffline.io import write_instance
from staffline.model import FairnessWeights, OpeningHours, Request
from staffline.optimizer.check import check_roster
from staffline.optimizer.continuity import previous_week
from staffline.pipeline import default_week, forecast_week, plan
from tests.optimizer.branches import small_branch

SEVEN_DAYS = {d: OpeningHours(dt.time(9), dt.time(17)) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture(scope="module")
def branch():
    """Open every day; E01 (at most 5 days in a row) asks hard for Monday, so only the boundary can keep them off."""
    inst = small_branch(5, 2, seed=3, hours=SEVEN_DAYS)
    monday = default_week(inst)
    wish = Request("E01", monday, "on", weight=500.0)
    return dataclasses.replace(inst, requests=(*inst.requests, wish)), monday


def last_week(monday: dt.date, days: range) -> pd.DataFrame:
    """E01 works 09:00-13:00 on the given days of the week before (0 = Monday)."""
    rows = [("E01", (monday - dt.timedelta(days=7 - k)).isoformat(), "09:00", "13:00", "counter") for k in days]
    return pd.DataFrame(rows, columns=["employee", "date", "start", "end", "role"])


def test_previous_week_reads_days_worked_and_the_last_end(branch):
    inst, monday = branch
    before = previous_week(inst, last_week(monday, range(2, 7)), monday)
    assert before.days["E01"] == (False, False, True, True, True, True, True)
    assert before.days["E02"] == (False,) * 7
    assert before.last_end == {"E01": dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(13))}


def test_five_days_before_the_boundary_keep_monday_off(branch):
    inst, monday = branch
    alone = plan(inst, time_limit=5, workers=1)
    assert alone.status in ("optimal", "feasible")
    assert (alone.roster.query("employee == 'E01'")["date"] == monday.isoformat()).any()  # the wish wins without the boundary

    previous = last_week(monday, range(2, 7))  # Wednesday to Sunday: five in a row
    p = plan(inst, time_limit=5, workers=1, previous=previous)
    assert p.status in ("optimal", "feasible")
    assert not (p.roster.query("employee == 'E01'")["date"] == monday.isoformat()).any()
    assert p.kpis["hard_violations"] == []

    before = previous_week(inst, previous, monday)
    demand = forecast_week(inst, monday)
    report = check_roster(inst, alone.roster, monday, demand.frame, demand.aht_minutes, before.days, before.last_end)
    assert [v.rule for v in report.violations] == ["consecutive days of E01"]


def test_a_roster_of_another_week_is_bad_input(branch):
    inst, monday = branch
    wrong = last_week(monday + dt.timedelta(days=7), range(0, 2))  # this week, not the one before
    with pytest.raises(InputError) as raised:
        previous_week(inst, wrong, monday)
    assert raised.value.problems[0].field == "date"


def test_cli_roster_and_check_take_previous(branch, tmp_path):
    inst, monday = branch
    write_instance(inst, tmp_path / "b")
    last_week(monday, range(2, 7)).to_csv(tmp_path / "last.csv", index=False)
    common = ["--time-limit", "5", "--workers", "1", "-q"]
    res = CliRunner().invoke(
        main, ["roster", str(tmp_path / "b"), "--out", str(tmp_path / "o"), "--previous", str(tmp_path / "last.csv"), *common]
    )
    assert res.exit_code == 0, res.output
    roster = pd.read_csv(tmp_path / "o" / "roster.csv", dtype=str)
    assert not ((roster["employee"] == "E01") & (roster["date"] == monday.isoformat())).any()
    args = ["check", str(tmp_path / "b"), "--roster", str(tmp_path / "o" / "roster.csv"), "--previous", str(tmp_path / "last.csv"), "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    (tmp_path / "empty.csv").write_text("")
    res = CliRunner().invoke(
        main, ["check", str(tmp_path / "b"), "--roster", str(tmp_path / "o" / "roster.csv"), "--previous", str(tmp_path / "empty.csv")]
    )
    assert res.exit_code == 2 and "empty" in res.output


def test_a_several_week_previous_roster_gives_fairness_counts_from_all_of_it_and_the_boundary_from_its_end(branch):
    """A --weeks 2 roster.csv as --previous: Saturdays of both weeks count; five days in a row before Monday still bind."""
    inst, monday = branch
    two_before = monday - dt.timedelta(days=14)
    older = [("E02", (two_before + dt.timedelta(days=5)).isoformat(), "09:00", "13:00", "counter")]  # a Saturday two weeks back
    saturday = [("E02", (monday - dt.timedelta(days=2)).isoformat(), "09:00", "13:00", "counter")]
    previous = pd.concat(
        [pd.DataFrame(older + saturday, columns=["employee", "date", "start", "end", "role"]), last_week(monday, range(2, 7))]
    )
    before = previous_week(inst, previous, monday)
    assert before.days["E01"] == (False,) * 7 + (False, False, True, True, True, True, True)
    assert sum(before.days["E02"][k] for k in (5, 12)) == 2 and len(before.days["E03"]) == 14
    assert before.last_end["E01"] == dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(13))

    weekends_too = dataclasses.replace(inst, branch=dataclasses.replace(inst.branch, fairness=FairnessWeights(weekend_days=1.0)))
    rules = build_rules(weekends_too, before.days, before.last_end, dates=[monday + dt.timedelta(days=k) for k in range(7)])
    saturdays = next(r for r in rules if isinstance(r, Fairness) and r.aspect == "saturday")
    assert saturdays.offsets[1] == 2 and saturdays.offsets[0] == 1  # E02: both weeks' Saturdays; E01: last Saturday
    weekend = next(r for r in rules if isinstance(r, Fairness) and r.aspect == "weekend")
    assert weekend.offsets[0] == 2  # E01: last Saturday and Sunday

    # the checker: E01 working Monday is a sixth day in a row; E02's Saturdays count in the spread
    roster = pd.DataFrame([("E01", monday.isoformat(), "09:00", "13:00", "counter")], columns=["employee", "date", "start", "end", "role"])
    report = check_roster(inst, roster, monday, previous_days=before.days, previous_end=before.last_end)
    assert "consecutive days of E01" in [v.rule for v in report.violations]
    assert report.fairness["fair Saturdays"]["per_person"]["E02"] == 2
    assert report.fairness["fair Saturdays"]["per_person"]["E01"] == 1


def test_a_previous_roster_reaching_into_the_plan_is_bad_input(branch):
    inst, monday = branch
    rows = pd.concat([last_week(monday - dt.timedelta(days=7), range(0, 2)), last_week(monday + dt.timedelta(days=7), range(0, 1))])
    with pytest.raises(InputError) as raised:
        previous_week(inst, rows, monday)
    problem = raised.value.problems[0]
    assert (problem.field, problem.row) == ("date", 4) and monday.isoformat() in problem.message
