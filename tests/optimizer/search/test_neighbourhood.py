"""The neighbourhood search: checked rosters, never worse than its start, the same roster from the same seed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import staffline.optimizer.search.portfolio as portfolio
from staffline.constraints.registry import build_rules
from staffline.optimizer.check import check_roster
from staffline.optimizer.roster import build_waits, plan_days
from staffline.optimizer.search.neighbourhood import KINDS, choose, improve, incumbent_of, sub_model
from staffline.optimizer.search.portfolio import ModelFactory, symmetry_groups, warm_start
from staffline.pipeline import forecast_week, plan
from tests.optimizer.branches import WEEK, small_branch


def started(inst):
    """The complete model of ``inst``'s week and the warm start's roster (the search's start)."""
    days = plan_days(inst, WEEK)
    waits, _ = build_waits(inst, forecast_week(inst, WEEK), days, "lagged")
    b = ModelFactory(inst, days, waits, build_rules(inst, None, None, None))()
    _, solver = warm_start(b, symmetry_groups(b, inst), 5, 0, True, stop_at_first=True)
    assert solver is not None
    return b, solver


def test_never_worse_than_its_start_and_repeatable():
    b, start = started(small_branch(8, 3, seed=1))
    first, stats = improve(b, start, seed=4, budget=2.0, sub_seconds=0.4)
    again, _ = improve(b, start, seed=4, budget=2.0, sub_seconds=0.4)
    assert first.objective <= incumbent_of(start).objective
    assert sum(stats.tries.values()) >= len(KINDS)  # every kind of neighbourhood was tried
    assert (again.objective, again.values) == (first.objective, first.values)


def test_a_sub_model_keeps_what_is_outside_the_neighbourhood():
    """Outside the freed shifts every shift variable is fixed to the incumbent; inside, the domain stays open."""
    import random

    b, start = started(small_branch(8, 3, seed=1))
    inc = incumbent_of(start)
    free = choose(b, inc, "class", 2, random.Random(0))
    assert free
    proto = sub_model(b, inc, free).proto
    for (i, d), options in b.x.items():
        for var in options.values():
            domain = list(proto.variables[var.Index()].domain)
            if (i, d) in free:
                assert domain == list(b.model.proto.variables[var.Index()].domain)
            else:
                assert domain == [inc.values[var.Index()]] * 2


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n_staff=st.integers(5, 8), n_roles=st.integers(2, 4), seed=st.integers(0, 5))
def test_rosters_through_the_neighbourhoods_pass_the_checker(monkeypatch, n_staff, n_roles, seed):
    """A plan that takes the neighbourhood path (its size threshold lowered to 0) writes a roster the independent checker accepts."""
    monkeypatch.setattr(portfolio, "LNS_MIN_SHIFT_OPTIONS", 0)
    inst = small_branch(n_staff, n_roles, seed=seed)
    p = plan(inst, WEEK, time_limit=2, workers=1, seed=seed, model="profile")
    if p.status not in ("optimal", "feasible"):
        pytest.skip(f"no roster to check: {p.status}")  # generated branches are feasible; this only guards the draw
    demand = forecast_week(inst, p.week_start)
    report = check_roster(inst, p.roster, p.week_start, demand.frame, demand.aht_minutes)
    assert report.ok, [str(v) for v in report.violations]
