"""Small branches for roster tests, built with the seeded generator (shared by tests/optimizer/)."""

import dataclasses
import datetime as dt

from staffline.model import Contract, Employee
from staffline.synthetic import generate_instance

WEEK = dt.date(2026, 11, 30)


def small_branch(n_staff=5, n_roles=2, seed=3, **branch_changes):
    """A generated branch (2 weeks of history) with optional Branch field changes."""
    inst = generate_instance(n_staff, n_roles, weeks=2, seed=seed)
    if branch_changes:
        inst = dataclasses.replace(inst, branch=dataclasses.replace(inst.branch, **branch_changes))
    return inst


def with_staff(inst, staff):
    return dataclasses.replace(inst, staff=tuple(staff), requests=())


def person(i, roles, **contract):
    base = dict(min_hours_week=0.0, max_hours_week=40.0, min_days_week=0, max_days_week=5, max_consecutive_days=5, cost_per_hour=60.0)
    base.update(contract)
    unavailable = base.pop("unavailable", ())
    return Employee(f"E{i}", f"P{i}", tuple(roles), Contract(**base), tuple(unavailable))


FAST = dict(time_limit=3, workers=1, seed=0, model="profile")  # one worker: deterministic time, the same roster on a busy machine


def quick_plan(inst, week=WEEK):
    """The plan a planner published for ``week`` (FAST: quick, one worker), for re-planning and intraday tests."""
    import staffline

    p = staffline.plan(inst, week, **FAST)
    assert p.status in ("optimal", "feasible"), p.result.message
    return p
