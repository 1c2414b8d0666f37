"""The greedy warm start: a roster that already keeps the per-person hard rules."""

from __future__ import annotations

import numpy as np
import pytest

from staffline.constraints.registry import build_rules
from staffline.optimizer.core.cpsat_backend import solve_model
from staffline.optimizer.roster import build_model, build_waits, plan_days
from staffline.optimizer.search.warm_start import greedy_roster
from staffline.pipeline import forecast_week
from tests.optimizer.branches import WEEK, small_branch


def builder(inst):
    days = plan_days(inst, WEEK)
    waits, _ = build_waits(inst, forecast_week(inst, WEEK), days, "lagged")
    return build_model(inst, days, waits, build_rules(inst, None, None, None))


@pytest.mark.parametrize("n_staff, n_roles, seed", [(5, 2, 3), (11, 3, 0), (24, 4, 2)])
def test_greedy_keeps_contracts_availability_and_headcount(n_staff, n_roles, seed):
    inst = small_branch(n_staff=n_staff, n_roles=n_roles, seed=seed)
    b = builder(inst)
    chosen = greedy_roster(b)
    on = [np.zeros(len(day.slots), dtype=int) for day in b.days]
    for i, e in enumerate(b.employees):
        mine = {d: t for (j, d), t in chosen.items() if j == i}
        minutes = sum(b.days[d].templates[t].paid_minutes for d, t in mine.items())
        c = e.contract
        assert c.min_hours_week * 60 <= minutes <= c.max_hours_week * 60, (e.id, minutes)
        assert c.min_days_week <= len(mine) <= c.max_days_week
        assert not any(e.is_unavailable(b.days[d].date) for d in mine)
        for d, t in mine.items():
            assert t in b.x[i, d]  # a template the person may work
            on[d][list(b.days[d].templates[t].slots)] += 1
    if inst.branch.headcount.max_on_duty is not None:
        assert max(int(o.max(initial=0)) for o in on) <= inst.branch.headcount.max_on_duty


def test_greedy_shifts_complete_to_a_feasible_roster():
    """With the greedy shifts fixed, the full model (roles, every rule) still has a solution."""
    inst = small_branch(n_staff=11, n_roles=3, seed=0)
    b = builder(inst)
    for (i, d), t in greedy_roster(b).items():
        b.model.Add(b.x[i, d][t] == 1)
    _, status = solve_model(b, 20, 1, 0)
    from ortools.sat.python import cp_model

    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
