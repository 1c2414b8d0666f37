"""Deliberately infeasible branches name the rules that conflict and the cause found in the data."""

import dataclasses
import re

from click.testing import CliRunner

from staffline.cli import main
from staffline.io import write_instance
from staffline.model import HeadcountLimits
from staffline.pipeline import plan
from tests.optimizer.branches import person, small_branch, with_staff


def conflict(inst):
    """The week's explanation, after checking that it is a no-roster answer whose message carries it."""
    p = plan(inst, time_limit=10, workers=1)
    assert p.result.status == "infeasible"
    why = p.result.explanation
    assert p.result.message == why.message and why.message.startswith("no roster: ")
    assert set(why.rules) == set(p.result.diagnosis) and p.kpis["diagnosis"] == why.as_dict()
    return why


def without_role(inst, role):
    staff = [dataclasses.replace(e, roles=tuple(r for r in e.roles if r != role) or ("counter",)) for e in inst.staff]
    return with_staff(inst, staff)


def test_headcount_below_greeter_plus_counter_coverage():
    rule = {"type": "coverage", "role": "counter", "min": 2, "from": "10:00", "to": "11:00", "days": ["mon"]}
    inst = small_branch(5, 2, headcount=HeadcountLimits(max_on_duty=2), rules=(rule,))
    why = conflict(with_staff(inst, [person(i, ["counter", "lobby"]) for i in range(5)]))
    assert set(why.rules) == {"headcount limit 2 per slot", "greeter always on duty", "counter minimum 2 10:00-11:00 mon"}
    assert "on Monday 10:00-11:00 the minimums need 3 on duty at once (2 counter, 1 lobby), but the headcount limit allows 2" in why.cause
    assert why.roles == ("counter", "lobby") and why.days == ("2026-11-30",)
    assert why.slots == tuple(f"2026-11-30 {t}" for t in ("10:00", "10:15", "10:30", "10:45"))


def test_one_person_on_duty_cannot_keep_a_greeter_through_saturday():
    # 09:30-16:00 is 6.5 h: one shift needs a lunch gap, two shifts of >= 4 h overlap (weekdays: 09:00-13:00 + 13:00-17:00)
    inst = small_branch(5, 2, headcount=HeadcountLimits(max_on_duty=1))
    why = conflict(with_staff(inst, [person(i, ["counter", "lobby"]) for i in range(5)]))
    assert set(why.rules) == {"headcount limit 1 per slot", "greeter always on duty"}
    assert "no choice of shifts keeps lobby staffed on Saturday 09:30-16:00 with at most 1 on duty at a time" in why.cause
    assert "60-minute lunch" in why.cause
    assert why.roles == ("lobby",) and why.days == ("2026-12-05",) and len(why.slots) == 26


def test_unavailable_days_against_minimum_working_days():
    inst = small_branch(5, 2)
    staff = list(inst.staff[:4]) + [person(9, ["counter"], min_days_week=5, unavailable=("mon", "tue"))]
    why = conflict(with_staff(inst, staff))
    assert set(why.rules) == {"availability of E9", "working days of E9"}
    assert why.cause == "E9 must work at least 5 days a week but can work on only 4 (E9 is unavailable on Monday and Tuesday)"
    assert why.employees == ("E9",) and why.days == ("2026-11-30", "2026-12-01")


def test_budget_below_greeter_plus_contract_minimum():
    # greeter for 46.5 open hours = 2790, E0 (counter only) 20 h = 1200: each fits 3000, together not
    inst = small_branch(5, 2, rules=({"type": "budget", "max_cost": 3000},))
    staff = [person(0, ["counter"], min_hours_week=20)] + [person(i, ["counter", "lobby"]) for i in range(1, 4)]
    why = conflict(with_staff(inst, staff))
    assert set(why.rules) == {"budget 3000", "greeter always on duty", "contract hours of E0"}
    assert why.cause.startswith("the cheapest roster that keeps ") and why.cause.endswith("above the budget of 3,000")
    cheapest = float(re.search(r" costs ([\d,]+),", why.cause).group(1).replace(",", ""))
    assert 2790 + 1200 <= cheapest <= 4200  # at least greeter + E0's minimum, paid in whole shifts
    assert why.roles == ("lobby",) and why.employees == ("E0",)


def test_contract_hours_beyond_what_opening_hours_allow():
    inst = small_branch(5, 2)
    staff = list(inst.staff[:4]) + [person(7, ["counter"], min_hours_week=60, max_hours_week=60)]
    why = conflict(with_staff(inst, staff))
    assert "contract hours of E7" in why.rules
    # 09:00-17:00 holds at most an 8 h shift with a 1 h lunch: 5 x 7 h + Saturday's 6.5 h shift less lunch
    assert why.cause == "E7 needs at least 60 h a week, but 6 working days of at most 7 h paid give at most 41 h"
    assert why.employees == ("E7",)


def test_appointments_without_any_advisory_certified_staff():
    why = conflict(without_role(small_branch(6, 3, seed=2), "advisory"))
    assert why.rules == ("appointments covered for advisory",)
    assert why.message.startswith("no roster: 'appointments covered for advisory' needs one person on advisory at 11 times on 6 days")
    assert why.message.endswith("but nobody on the staff is certified for advisory")
    assert why.roles == ("advisory",) and why.employees == () and len(why.days) == 6 and "2026-11-30 09:30" in why.slots


def test_saturday_appointments_when_every_advisor_is_away():
    inst = small_branch(6, 3, seed=1)  # one advisory appointment on Saturday, at most 2 at once in the week
    staff = [
        dataclasses.replace(e, unavailable=("sat",)) if e.id in ("E01", "E02") else without_role(with_staff(inst, [e]), "advisory").staff[0]
        for e in inst.staff
    ]
    why = conflict(with_staff(inst, staff))
    assert set(why.rules) == {"appointments covered for advisory", "availability of E01", "availability of E02"}
    assert why.cause == (
        "'appointments covered for advisory' needs one person on advisory on Saturday 13:00-14:00,"
        " but only E01 and E02 hold advisory, and both are unavailable then"
    )
    assert why.employees == ("E01", "E02") and why.days == ("2026-12-05",) and why.roles == ("advisory",)
    assert why.slots == tuple(f"2026-12-05 {t}" for t in ("13:00", "13:15", "13:30", "13:45"))


def test_no_lobby_certified_staff_names_lobby_and_the_cause():
    why = conflict(without_role(small_branch(5, 2), "lobby"))
    assert why.message == (
        "no roster: 'greeter always on duty' needs one person on lobby in every open slot, but nobody on the staff is certified for lobby"
    )
    assert why.roles == ("lobby",) and why.employees == () and len(why.days) == 6


def test_the_cli_exits_1_and_prints_the_cause(tmp_path):
    write_instance(without_role(small_branch(5, 2), "lobby"), tmp_path / "b")
    result = CliRunner().invoke(
        main, ["roster", str(tmp_path / "b"), "--out", str(tmp_path / "out"), "--time-limit", "10", "--workers", "1"]
    )
    assert result.exit_code == 1, result.output
    assert "'greeter always on duty' needs one person on lobby in every open slot, but nobody on the staff is certified for lobby" in (
        result.output
    )


def test_a_conflict_cpsat_cannot_prove_under_assumptions_is_still_named():
    # E2 needs 24 h in at most 3 days, and a shift is at most 8 h (opening hours) with a 1 h lunch: 21 h. CP-SAT's
    # assumption core took 65 s here (a hypothesis case of test_roster_properties); the fixed-literal proof 0.7 s
    inst = small_branch(4, 2, seed=0, headcount=HeadcountLimits(max_on_duty=4, max_staff_per_day=2))
    staff = [
        person(0, ["lobby"], max_hours_week=16, max_days_week=4, max_consecutive_days=4),
        person(1, ["counter", "lobby"], max_hours_week=8, min_days_week=1, max_days_week=2, unavailable=("sat", "wed")),
        person(2, ["counter", "lobby"], min_hours_week=24, max_days_week=3, max_consecutive_days=2),
        person(3, ["counter", "lobby"], max_hours_week=8, min_days_week=2, max_consecutive_days=4, unavailable=("wed", "mon")),
    ]
    why = conflict(with_staff(inst, staff))
    assert set(why.rules) == {"contract hours of E2", "working days of E2"}
    assert why.cause == "E2 needs at least 24 h a week, but 3 working days of at most 7 h paid give at most 21 h"


def test_the_cli_json_carries_the_diagnosis_as_data(tmp_path):
    import json

    write_instance(without_role(small_branch(5, 2), "lobby"), tmp_path / "b")
    args = ["roster", str(tmp_path / "b"), "--out", str(tmp_path / "out"), "--time-limit", "10", "--workers", "1", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["status"] == "infeasible" and payload["diagnosis"]["roles"] == ["lobby"]
    assert payload["diagnosis"]["rules"] == ["greeter always on duty"] and "certified for lobby" in payload["diagnosis"]["cause"]
