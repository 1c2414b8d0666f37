"""Hypothesis: on random tiny branches every returned roster passes the checker.

An "infeasible" answer must come with named conflicting rules, and those rules
alone must be infeasible again (re-solved with only them switched on).
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ortools.sat.python import cp_model

from staffline.constraints.registry import build_rules
from staffline.model import HeadcountLimits
from staffline.optimizer.check import check_roster
from staffline.optimizer.roster import build_model, build_waits, plan_days
from staffline.optimizer.solve import solve_model
from staffline.pipeline import forecast_week, plan

from .conftest import person, small_branch, with_staff

ROLE_SETS = [["counter"], ["counter", "lobby"], ["lobby"], ["counter", "lobby"]]


@st.composite
def tiny_branches(draw):
    inst = small_branch(4, 2, seed=draw(st.integers(0, 3)), headcount=HeadcountLimits(max_on_duty=draw(st.integers(1, 4)), max_staff_per_day=draw(st.integers(2, 4))))
    staff = []
    for i in range(draw(st.integers(2, 4))):
        lo = draw(st.sampled_from([0, 8, 16, 24]))
        staff.append(
            person(
                i,
                draw(st.sampled_from(ROLE_SETS)),
                min_hours_week=lo,
                max_hours_week=lo + draw(st.sampled_from([0, 8, 16])),
                min_days_week=draw(st.integers(0, 2)),
                max_days_week=draw(st.integers(2, 5)),
                max_consecutive_days=draw(st.integers(2, 5)),
                unavailable=tuple(draw(st.lists(st.sampled_from(["mon", "sat", "wed"]), max_size=2, unique=True))),
            )
        )
    return with_staff(inst, staff)


def verify(inst):
    p = plan(inst, time_limit=3, workers=1)
    if p.roster.status in ("optimal", "feasible"):
        demand = forecast_week(inst, p.week_start)
        report = check_roster(inst, p.roster.roster, p.week_start, demand.frame, demand.aht_minutes)
        assert report.ok, [str(v) for v in report.violations]
    elif p.roster.status == "infeasible":
        assert p.roster.diagnosis, p.roster.message
        demand = forecast_week(inst, p.week_start)
        days = plan_days(inst, p.week_start)
        waits, _ = build_waits(inst, demand, days, "stationary")
        model = build_model(inst, days, waits, build_rules(inst), diagnose=True)
        named = [model.rule_literals[n] for n in p.roster.diagnosis]
        _, status = solve_model(model, 10, 1, 0, assumptions=named)
        assert status == cp_model.INFEASIBLE


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tiny_branches())
def test_every_roster_passes_the_checker(inst):
    verify(inst)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tiny_branches())
def test_every_roster_passes_the_checker_many(inst):
    verify(inst)

