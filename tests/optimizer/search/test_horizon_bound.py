"""The horizon's LP bound, branched on the Saturday spread: never above the whole model's proven optimum."""

import dataclasses
import math

import pytest

from staffline.optimizer.core.branch_model import plan_days
from staffline.optimizer.roster import build_waits, week_rules
from staffline.optimizer.search.horizon_bound import _solve, branching_rule, horizon_lp_bound, spread_split_bound
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


def test_each_branch_holds_its_share_of_the_rosters():
    """The Saturday rule is the one branched on; its split bound is at most the optimum, and a count nobody can reach is no roster."""
    staff, weights = CASES["three alike, every spread weighted"]
    whole = two_weeks(staff, dataclasses.replace(NO_FAIRNESS, **weights))
    rule = branching_rule(whole.rules)
    assert rule is not None and rule.aspect == "saturday"
    _, solver, _, status, _ = SEARCHES["cpsat"](whole, whole.instance, 20, 1, 0, None)
    split = spread_split_bound(whole, rule, mean=1.0, time_limit=60.0)
    assert split is not None and split <= solver.ObjectiveValue() + 1e-6
    assert spread_split_bound(whole, rule, mean=7.0, time_limit=60.0) == split  # starts at the highest count two Saturdays allow


def test_no_count_spread_to_branch_on():
    staff, _ = CASES["three alike, every spread weighted"]
    whole = two_weeks(staff, dataclasses.replace(NO_FAIRNESS, hours_above_minimum=2.0))
    assert branching_rule(whole.rules) is None
    assert horizon_lp_bound(whole, 60.0) > 0 and not math.isinf(horizon_lp_bound(whole, 60.0))
