"""Multi-week plans (--weeks N): weekly limits per week, horizon limits, the [fairness] rules, model and checker agreeing."""

import dataclasses
import datetime as dt
import json

import pandas as pd
import pytest
from click.testing import CliRunner

import staffline
from staffline.cli import main
from staffline.errors import InputError
from staffline.forecasting.baseline import service_minutes
from staffline.model import FairnessWeights, OpeningHours, Request
from staffline.optimizer.check import check_roster
from tests.optimizer.branches import FAST, WEEK, person, small_branch, with_staff

SATURDAYS = ["2026-12-05", "2026-12-12"]
NO_FAIRNESS = FairnessWeights(saturdays=0, weekend_days=0, late_shifts=0, hours_above_minimum=0)


def four_hour_branch(staff, requests=(), fairness=None):
    """Open 10:00-14:00 on the branch's open days, one 4-hour shift a day: a two-week model CP-SAT proves in a second."""
    base = small_branch(4, 2)
    b = base.branch
    short = OpeningHours(dt.time(10), dt.time(14))
    branch = dataclasses.replace(
        b,
        hours={d: (short if h.is_open else h) for d, h in b.hours.items()},
        holiday_country=None,
        shift_rules=dataclasses.replace(b.shift_rules, min_shift_hours=4.0, max_shift_hours=4.0),
        fairness=fairness or b.fairness,
    )
    return dataclasses.replace(with_staff(base, staff), branch=branch, requests=tuple(requests))


def two_weeks(inst, **options):
    p = staffline.plan(inst, WEEK, weeks=2, **{**FAST, "time_limit": 4, **options})
    assert p.status in ("optimal", "feasible"), p.result.message
    return p


def saturdays_worked(roster: pd.DataFrame) -> dict[str, int]:
    return roster[roster["date"].isin(SATURDAYS)].groupby("employee")["date"].nunique().to_dict()


def hours_by_week(roster: pd.DataFrame) -> dict[tuple[str, int], float]:
    minutes = pd.to_timedelta(roster["end"] + ":00") - pd.to_timedelta(roster["start"] + ":00")
    week = (pd.to_datetime(roster["date"]).dt.date - WEEK).map(lambda d: d.days // 7)
    return (minutes.dt.total_seconds() / 3600).groupby([roster["employee"], week]).sum().to_dict()


def test_two_weeks_hold_weekly_and_horizon_limits_and_the_checker_agrees():
    roles = ("counter", "lobby")
    staff = [person(i, roles, min_hours_week=8.0, max_hours_week=12.0) for i in (1, 2, 3)]
    staff[0] = dataclasses.replace(staff[0], contract=dataclasses.replace(staff[0].contract, max_hours_horizon=16.0))
    staff.append(person(4, roles, min_hours_week=8.0, max_hours_week=12.0, unavailable=("sat",)))
    inst = four_hour_branch(staff)
    p = two_weeks(inst)
    assert p.weeks == 2 and p.kpis["weeks"] == 2
    assert {d for d in p.roster["date"]} >= {"2026-12-01", "2026-12-08"}  # both weeks rostered
    hours = hours_by_week(p.roster)
    for e in ("E1", "E2", "E3", "E4"):
        for w in (0, 1):
            assert 8.0 <= hours.get((e, w), 0.0) <= 12.0, (e, w, hours)
    assert hours[("E1", 0)] + hours[("E1", 1)] <= 16.0
    report = check_roster(inst, p.roster, WEEK, p.forecast, service_minutes(inst), weeks=2)
    assert report.ok, [str(v) for v in report.violations]
    assert p.kpis["hard_violations"] == []
    assert report.penalties == pytest.approx(p.kpis["penalties"])  # fairness spreads: the model's = the checker's
    assert "fair Saturdays" in report.fairness and "fair hours above minimum" in report.fairness
    assert "E4" not in report.fairness["fair Saturdays"]["per_person"]  # never available on Saturdays: not compared
    assert report.objective == pytest.approx(p.kpis["roster_objective"])
    wide = staffline.pipeline.roster_wide(p.result, inst, WEEK, 2)
    assert len(wide.columns) == 1 + 14


def test_the_checker_holds_weekly_limits_in_each_week():
    roles = ("counter", "lobby")
    staff = [person(1, roles, min_hours_week=8.0, max_hours_week=12.0, max_hours_horizon=10.0)]
    inst = four_hour_branch(staff)
    rows = [("E1", f"2026-12-0{d}", "10:00", "14:00", "counter") for d in (1, 2, 3)]  # 12 h in week 1, none in week 2
    roster = pd.DataFrame(rows, columns=["employee", "date", "start", "end", "role"])
    one = check_roster(inst, roster, WEEK)
    assert not [v for v in one.violations if v.rule.startswith("contract hours")]  # as a week alone: within its limits
    two = check_roster(inst, roster, WEEK, weeks=2)
    broken = {v.rule: v.message for v in two.violations}
    assert "in the week of 2026-12-07" in broken["contract hours of E1"]
    assert "12 h over the plan" in broken["horizon hours of E1"]
    with pytest.raises(InputError, match="not in the 2 weeks"):
        check_roster(inst, roster.assign(date="2026-12-14"), WEEK, weeks=2)


def test_fairness_changes_who_works_saturdays():
    """E1 asks for Saturdays off: without fairness E2 and E3 work both; with it E1 takes turns despite the request."""
    roles = ("counter", "lobby")
    staff = [person(i, roles, max_hours_week=16.0, max_days_week=4) for i in (1, 2, 3)]
    staff.append(person(4, roles, unavailable=("sat",)))
    off = [Request("E1", "sat", "off", 25.0)]
    unfair = two_weeks(four_hour_branch(staff, off, NO_FAIRNESS))
    assert saturdays_worked(unfair.roster).get("E1", 0) == 0
    fair = two_weeks(four_hour_branch(staff, off, dataclasses.replace(NO_FAIRNESS, saturdays=200.0)))
    counts = [saturdays_worked(fair.roster).get(e, 0) for e in ("E1", "E2", "E3")]
    assert max(counts) - min(counts) <= 1 and counts[0] >= 1
    assert fair.kpis["fairness"]["fair Saturdays"]["spread"] == max(counts) - min(counts)
    assert "fair Saturdays" not in unfair.kpis.get("fairness", {})  # weight 0: the rule is off


def test_last_weeks_saturday_counts_for_the_rotation():
    """With --previous a one-week plan has the fairness rules, and last week's Saturday counts in the checker's spread."""
    roles = ("counter", "lobby")
    inst = four_hour_branch([person(i, roles) for i in (1, 2)])
    roster = pd.DataFrame([("E1", "2026-12-05", "10:00", "14:00", "lobby")], columns=["employee", "date", "start", "end", "role"])
    previous = {"E1": (False,) * 7, "E2": (False,) * 5 + (True, False)}
    report = check_roster(inst, roster, WEEK, previous_days=previous)
    assert report.fairness["fair Saturdays"]["per_person"] == {"E1": 1, "E2": 1}
    assert report.fairness["fair Saturdays"]["spread"] == 0
    assert not check_roster(inst, roster, WEEK).fairness  # a week alone: no fairness rules


@pytest.mark.parametrize("weeks", [0, 9, 2.5, "2"])
def test_bad_weeks_in_the_library(weeks):
    with pytest.raises(InputError, match="--weeks"):
        staffline.plan(small_branch(), WEEK, weeks=weeks)


@pytest.mark.parametrize("command", ["roster", "batch", "replan"])
@pytest.mark.parametrize("value", ["0", "9", "two"])
def test_bad_weeks_on_the_command_line_exit_2(tmp_path, command, value):
    extra = ["--roster", str(tmp_path / "r.csv")] if command == "replan" else []
    result = CliRunner().invoke(main, [command, str(tmp_path), "--out", str(tmp_path / "o"), "--weeks", value, *extra])
    assert result.exit_code == 2, result.output
    assert "--weeks" in result.output and "Traceback" not in result.output


def test_replan_repairs_a_two_week_roster_around_an_absence_in_the_second_week():
    roles = ("counter", "lobby")
    inst = four_hour_branch([person(i, roles, min_hours_week=8.0, max_hours_week=16.0) for i in (1, 2, 3, 4)], fairness=NO_FAIRNESS)
    published = two_weeks(inst).roster
    worked = published[published["date"] >= "2026-12-07"].iloc[0]
    absence = f"{worked['employee']}={worked['date']}"
    r = staffline.replan(inst, published, absences=[absence], weeks=2, **{**FAST, "time_limit": 4})
    assert r.status in ("optimal", "feasible") and r.kpis["hard_violations"] == []
    assert not ((r.roster["employee"] == worked["employee"]) & (r.roster["date"] == worked["date"])).any()
    assert set(r.changes["date"]) >= {worked["date"]}
    with pytest.raises(InputError, match="more than one week"):
        staffline.replan(inst, published, absences=[absence], **FAST)  # a two-week roster is not one week's


def test_an_absence_relaxes_the_minimums_of_its_own_week_only():
    """replan --weeks 2, E1 away Tuesday-Wednesday of week 2: week 2's minimums drop by those days, week 1's stay whole."""
    from staffline.constraints.registry import build_rules
    from staffline.constraints.rules import ContractHours, WorkingDays
    from staffline.optimizer.replan import Amendment, parse_absence
    from staffline.optimizer.search.horizon import week_of

    roles = ("counter", "lobby")
    staff = [person(i, roles, min_hours_week=12.0, max_hours_week=16.0, min_days_week=3, min_hours_horizon=24.0) for i in (1, 2)]
    inst = four_hour_branch(staff, fairness=NO_FAIRNESS)
    amend = Amendment((parse_absence("E1=2026-12-08:2026-12-09"),), weeks=2)
    relaxed = amend.relaxed(inst, WEEK)
    c = relaxed.employee("E1").contract
    assert [(c.min_hours_in(w), c.min_days_in(w)) for w in (0, 1)] == [(12.0, 3), (4.0, 1)]  # two 4-hour opening days away
    assert c.min_hours_horizon == 16.0  # the horizon minimum less the whole absence
    assert relaxed.employee("E2") == inst.employee("E2")
    assert week_of(relaxed, 1).employee("E1").contract.min_hours_in(0) == 4.0  # week 2 alone (the horizon search's view)
    dates = [WEEK + dt.timedelta(days=k) for k in range(14)]
    rules = build_rules(relaxed, dates=dates)
    hours = [(r.days[0], r.min_minutes) for r in rules if isinstance(r, ContractHours) and r.employee == 0 and r.days]
    assert hours == [(0, 12 * 60), (7, 4 * 60)]
    assert [r.minimum for r in rules if isinstance(r, WorkingDays) and r.employee == 0] == [3, 1]

    def roster(days):
        return pd.DataFrame(
            [("E1", d.isoformat(), "10:00", "14:00", "counter") for d in days], columns=["employee", "date", "start", "end", "role"]
        )

    def contract_violations(rows):
        report = check_roster(relaxed, rows, WEEK, weeks=2, absences=amend.absences)
        return [v.message for v in report.violations if v.employee == "E1" and "horizon" not in v.rule]

    ok = roster([dates[k] for k in (0, 1, 2, 7)])  # 12 h in week 1, 4 h in week 2 (around the absence)
    assert contract_violations(ok) == []
    short = roster([dates[k] for k in (0, 7, 10)])  # 4 h in week 1: the absence in week 2 does not excuse it
    assert any("in the week of 2026-11-30" in m for m in contract_violations(short))


def test_check_reads_a_two_week_roster_and_counts_its_weeks(tmp_path):
    """`staffline check` on a --weeks 2 roster.csv: the weeks come from its dates (or --weeks), each week's limits hold."""
    from staffline.io import write_instance

    roles = ("counter", "lobby")
    inst = four_hour_branch([person(i, roles, min_hours_week=8.0, max_hours_week=12.0) for i in (1, 2, 3)])
    p = two_weeks(inst)
    write_instance(inst, tmp_path / "b")
    p.roster.to_csv(tmp_path / "roster.csv", index=False)
    base = ["check", str(tmp_path / "b"), "--roster", str(tmp_path / "roster.csv"), "--model", "profile", "--json"]
    for extra in ([], ["--weeks", "2"], ["--week", WEEK.isoformat()]):
        result = CliRunner().invoke(main, [*base, *extra])
        assert result.exit_code == 0, (extra, result.output)
        payload = json.loads(result.output)
        assert payload["ok"] and payload["violations"] == [] and "fair Saturdays" in payload["fairness"]
    one = CliRunner().invoke(main, [*base, "--weeks", "1"])  # the second week's rows lie outside a one-week check
    assert one.exit_code != 0 and "Traceback" not in one.output
    bad = CliRunner().invoke(main, [*base, "--weeks", "nine"])
    assert bad.exit_code == 2 and "--weeks" in bad.output


def test_check_absent_lowers_the_minimums_as_replan_does(tmp_path):
    """`staffline check --absent`: E1 away Tuesday-Wednesday of week 2 works 4 h there; a violation without --absent, none with it."""
    from staffline.io import write_instance

    roles = ("counter", "lobby")
    inst = four_hour_branch([person(1, roles, min_hours_week=12.0, max_hours_week=16.0)], fairness=NO_FAIRNESS)
    write_instance(inst, tmp_path / "b")
    days = [WEEK + dt.timedelta(days=k) for k in (0, 1, 2, 7)]  # 12 h in week 1, 4 h in week 2 (the absence takes 8 h of it)
    rows = pd.DataFrame(
        [("E1", d.isoformat(), "10:00", "14:00", "counter") for d in days], columns=["employee", "date", "start", "end", "role"]
    )
    rows.to_csv(tmp_path / "roster.csv", index=False)
    base = ["check", str(tmp_path / "b"), "--roster", str(tmp_path / "roster.csv"), "--weeks", "2", "--model", "profile", "--json"]

    def contract_violations(result):
        return [v for v in json.loads(result.output)["violations"] if v["employee"] == "E1" and "hours" in v["rule"]]

    whole = CliRunner().invoke(main, base)
    assert whole.exit_code == 1 and contract_violations(whole), whole.output
    away = CliRunner().invoke(main, [*base, "--absent", "E1=2026-12-08:2026-12-09"])
    assert contract_violations(away) == [], away.output
