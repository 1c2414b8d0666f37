"""Deliberately infeasible branches name the rules that conflict."""

import dataclasses

from staffline.model import HeadcountLimits
from staffline.pipeline import plan
from tests.optimizer.branches import person, small_branch, with_staff


def conflict(inst):
    p = plan(inst, time_limit=10, workers=1)
    assert p.result.status == "infeasible"
    assert p.result.message.startswith("no roster: ")
    return set(p.result.diagnosis)


def test_headcount_below_greeter_plus_counter_coverage():
    rule = {"type": "coverage", "role": "counter", "min": 2, "from": "10:00", "to": "11:00", "days": ["mon"]}
    inst = small_branch(5, 2, headcount=HeadcountLimits(max_on_duty=2), rules=(rule,))
    inst = with_staff(inst, [person(i, ["counter", "lobby"]) for i in range(5)])
    assert conflict(inst) == {"headcount limit 2 per slot", "greeter always on duty", "counter minimum 2 10:00-11:00 mon"}


def test_one_person_on_duty_cannot_keep_a_greeter_through_saturday():
    # 09:30-16:00 is 6.5 h: one shift needs a lunch gap, two shifts of >= 4 h overlap
    inst = small_branch(5, 2, headcount=HeadcountLimits(max_on_duty=1))
    inst = with_staff(inst, [person(i, ["counter", "lobby"]) for i in range(5)])
    assert conflict(inst) == {"headcount limit 1 per slot", "greeter always on duty"}


def test_unavailable_days_against_minimum_working_days():
    inst = small_branch(5, 2)
    staff = list(inst.staff[:4]) + [person(9, ["counter"], min_days_week=5, unavailable=("mon", "tue"))]
    assert conflict(with_staff(inst, staff)) == {"availability of E9", "working days of E9"}


def test_budget_below_greeter_plus_contract_minimum():
    # greeter for 46.5 open hours = 2790, E0 (counter only) 20 h = 1200: each fits 3000, together not
    inst = small_branch(5, 2, rules=({"type": "budget", "max_cost": 3000},))
    staff = [person(0, ["counter"], min_hours_week=20)] + [person(i, ["counter", "lobby"]) for i in range(1, 4)]
    assert conflict(with_staff(inst, staff)) == {"budget 3000", "greeter always on duty", "contract hours of E0"}


def test_contract_hours_beyond_what_opening_hours_allow():
    inst = small_branch(5, 2)
    staff = list(inst.staff[:4]) + [person(7, ["counter"], min_hours_week=60, max_hours_week=60)]
    assert "contract hours of E7" in conflict(with_staff(inst, staff))


def test_appointments_without_any_advisory_certified_staff():
    inst = small_branch(6, 3, seed=2)
    staff = [dataclasses.replace(e, roles=tuple(r for r in e.roles if r != "advisory") or ("counter",)) for e in inst.staff]
    assert conflict(with_staff(inst, staff)) == {"appointments covered for advisory"}


def test_a_conflict_cpsat_cannot_prove_under_assumptions_is_still_named():
    # E2 needs 24 h in at most 3 days, and a shift is at most 8.5 h with a 1 h lunch: 22.5 h. CP-SAT's
    # assumption core took 65 s here (a hypothesis case of test_roster_properties); the fixed-literal proof 0.7 s
    inst = small_branch(4, 2, seed=0, headcount=HeadcountLimits(max_on_duty=4, max_staff_per_day=2))
    staff = [
        person(0, ["lobby"], max_hours_week=16, max_days_week=4, max_consecutive_days=4),
        person(1, ["counter", "lobby"], max_hours_week=8, min_days_week=1, max_days_week=2, unavailable=("sat", "wed")),
        person(2, ["counter", "lobby"], min_hours_week=24, max_days_week=3, max_consecutive_days=2),
        person(3, ["counter", "lobby"], max_hours_week=8, min_days_week=2, max_consecutive_days=4, unavailable=("wed", "mon")),
    ]
    assert conflict(with_staff(inst, staff)) == {"contract hours of E2", "working days of E2"}
