"""The horizon's LP bound, branched on the Saturday spread: never above the whole model's proven optimum."""

import dataclasses
import math

import pytest

from staffline.optimizer.core.branch_model import plan_days
from staffline.optimizer.roster import build_waits, week_rules
from staffline.optimizer.search.horizon_bound import HorizonLp, _rounded, _solve, branching_rule, horizon_lp_bound
from staffline.optimizer.search.portfolio import SEARCHES, ModelFactory
from staffline.pipeline import demand_from, fit_walk_ins
from tests.optimizer.branches import WEEK, person
from tests.optimizer.test_horizon import NO_FAIRNESS, four_hour_branch


def two_weeks(staff, fairness) -> ModelFactory:
    """The whole model of two weeks of a four-hour toy branch (CP-SAT proves its optimum in about a second)."""
    inst = four_hour_branch(staff, fairness=fairness)
    walk_ins, _ = fit_walk_ins(inst, WEEK, "profile", weeks=2)
    days = plan_days(inst, WEEK, 2)
    waits, _ = build_waits(inst, demand_from(inst, walk_ins), days, inst.branch.objective.wait_method)
    return ModelFactory(inst, days, waits, week_rules(inst, days, waits, None, None, None))


CASES = {
    "three alike, every spread weighted": (
        [person(i, ("counter", "lobby"), max_hours_week=16.0, max_days_week=4) for i in (1, 2, 3)],
        dict(saturdays=100.0, late_shifts=10.0, hours_above_minimum=2.0),
    ),
    "four, pay and certificates differ": (
        [
            person(1, ("counter",), cost_per_hour=50.0),
            person(2, ("counter", "lobby")),
            person(3, ("lobby",), cost_per_hour=90.0),
            person(4, ("counter", "lobby"), max_days_week=3),
        ],
        dict(saturdays=60.0),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_branched_bound_is_above_the_plain_lp_and_at_most_the_proven_optimum(case):
    """On both toys the plain LP evens Saturdays out for free; branching closes the gap to the optimum (to 1 scaled unit when written)."""
    staff, weights = CASES[case]
    whole = two_weeks(staff, dataclasses.replace(NO_FAIRNESS, **weights))
    _, solver, _, status, _ = SEARCHES["cpsat"](whole, whole.instance, 20, 1, 0, None)
    assert solver.StatusName(status) == "OPTIMAL"
    plain, _ = _solve(whole, 20.0, None)
    assert plain.optimal
    bound = horizon_lp_bound(whole, 60.0)
    assert plain.bound < bound <= solver.ObjectiveValue() + 1e-6


def test_the_plain_lps_mean_count_becomes_a_saturday_plan_with_its_total():
    """Everybody on the plain LP's mean count of Saturdays, rounded: each Saturday staffed with whole numbers adding up to k x people."""
    staff, weights = CASES["three alike, every spread weighted"]
    whole = two_weeks(staff, dataclasses.replace(NO_FAIRNESS, **weights))
    lp = HorizonLp(whole, 60.0)
    assert lp.rule is not None and lp.rule.aspect == "saturday"
    assert lp.equal_count_plan() is None  # nothing solved yet
    _, solver, _, status, _ = SEARCHES["cpsat"](whole, whole.instance, 20, 1, 0, None)
    assert lp.bound() <= solver.ObjectiveValue() + 1e-6
    plan = lp.equal_count_plan()
    saturdays = [d for d, day in enumerate(whole.days) if day.date.weekday() == 5]
    assert plan is not None and sorted(plan) == saturdays
    assert sum(plan.values()) == lp.start() * len(staff) and all(0 <= n <= len(staff) for n in plan.values())


def test_rounding_keeps_the_total():
    assert _rounded({5: 7.6, 12: 8.2, 19: 8.1, 26: 9.1}, 33) == {5: 8, 12: 8, 19: 8, 26: 9}
    assert _rounded({5: 2.0, 12: 1.0}, 3) == {5: 2, 12: 1}
    assert _rounded({}, 3) is None


def test_no_count_spread_to_branch_on():
    staff, _ = CASES["three alike, every spread weighted"]
    whole = two_weeks(staff, dataclasses.replace(NO_FAIRNESS, hours_above_minimum=2.0))
    assert branching_rule(whole.rules) is None
    assert horizon_lp_bound(whole, 60.0) > 0 and not math.isinf(horizon_lp_bound(whole, 60.0))
