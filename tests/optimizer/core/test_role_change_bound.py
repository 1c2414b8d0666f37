"""The roster model's class-level desk-change count is a lower bound of any person-level roster's desk changes.

The bound decides ``roster_gap``'s honesty: were it to count more changes
than a roster really makes, the "proven" bound could exceed the optimum.
So each roster role assignment writes (with changes left free, weight 0) is
fed back into the model, shifts and class role counts fixed to it, and the
model's least desk-change count must not exceed the checker's count of the
roster itself.
"""

import dataclasses

import pandas as pd
from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model

from staffline.model import ROLE_CHANGES
from staffline.optimizer.check import role_changes
from staffline.optimizer.core.cpsat_backend import configure
from staffline.optimizer.roster import build_waits, plan_days, week_rules
from staffline.optimizer.search.portfolio import ModelFactory
from staffline.pipeline import forecast_week, plan
from tests.optimizer.branches import person, small_branch, with_staff
from tests.optimizer.test_roster_properties import tiny_branches

WEIGHT = 2.0


def weighted(inst, weight):
    objective = dataclasses.replace(inst.branch.objective, role_change_weight=weight)
    return dataclasses.replace(inst, branch=dataclasses.replace(inst.branch, objective=objective))


def minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def model_changes_of(inst, roster, week) -> float:
    """The model's desk-change penalty (least over its free splits) with shifts and class role counts fixed to ``roster``."""
    days = plan_days(inst, week)
    waits, _ = build_waits(inst, forecast_week(inst, week), days, inst.branch.objective.wait_method)
    b = ModelFactory(inst, days, waits, week_rules(inst, days, waits))()
    slot = inst.branch.slot_minutes
    index = {e.id: i for i, e in enumerate(b.employees)}
    worked: dict[tuple[int, int], list[int]] = {}
    role_at: dict[tuple[int, int, int], str] = {}
    for row in roster.itertuples():
        d = next(k for k, day in enumerate(days) if day.date.isoformat() == row.date)
        opening = days[d].slots[0].hour * 60 + days[d].slots[0].minute
        for s in range((minutes(row.start) - opening) // slot, (minutes(row.end) - opening) // slot):
            worked.setdefault((index[row.employee], d), []).append(s)
            role_at[index[row.employee], d, s] = row.role
    for (i, d), options in b.x.items():
        slots = tuple(sorted(worked.get((i, d), [])))
        chosen = [t for t in options if tuple(days[d].templates[t].slots) == slots]
        assert not slots or chosen, f"no template works slots {slots}"
        for t, var in options.items():
            b.model.Add(var == int(bool(chosen) and t == chosen[0]))
    for (c, d, s, r), var in b.y.items():
        b.model.Add(var == sum(1 for i in b.classes[c] if role_at.get((i, d, s)) == r))
    solver = cp_model.CpSolver()
    configure(solver, 20, 1, 0, full_lp=False)
    status = solver.Solve(b.model)
    assert status == cp_model.OPTIMAL, solver.StatusName(status)
    return b.penalty_values(solver).get(ROLE_CHANGES, 0.0)


def assert_bound_holds(inst):
    free = plan(weighted(inst, 0.0), time_limit=3, workers=1)
    if free.result.status not in ("optimal", "feasible"):
        return 0
    made = sum(role_changes(free.roster.itertuples()).values())
    counted = model_changes_of(weighted(inst, WEIGHT), free.roster, free.week_start)
    assert counted <= WEIGHT * made + 1e-6, (counted, made)
    return counted


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tiny_branches())
def test_the_model_never_counts_more_desk_changes_than_a_written_roster_makes(inst):
    assert_bound_holds(inst)


def test_the_bound_sees_changes_on_a_branch_of_two_desk_people():
    """Everyone holds both desks and changes are free: the roster changes desk, and the model sees some of it."""
    inst = with_staff(small_branch(5, 2, seed=1), [person(i, ["counter", "lobby"], min_hours_week=16) for i in range(5)])
    assert assert_bound_holds(inst) > 0  # the comparison above is not between zeros


def test_two_people_back_from_lunch_on_each_others_desk_count_two_changes():
    """A counter person back on lobby and, an hour later, a lobby person back on counter: two desk changes.

    Counted over the whole day, the returns cancel against the departures
    (one back on each desk, one left from each) and the bound saw none;
    each lunch returns the people who left an hour before it, so the model
    pairs them and sees both.
    """
    base = small_branch(2, 2, seed=1)
    roles = tuple(dataclasses.replace(role, min_on_duty=0) for role in base.branch.roles)
    inst = weighted(with_staff(dataclasses.replace(base, branch=dataclasses.replace(base.branch, roles=roles)), []), WEIGHT)
    inst = with_staff(inst, [person(i, ["counter", "lobby"]) for i in range(2)])
    week = plan(inst, time_limit=1, workers=1).week_start
    day = plan_days(inst, week)[0]
    lunches = [t for t in day.templates if t.lunch_start is not None and t.start == minutes("09:00") and t.end == minutes("17:00")]
    first, second = lunches[0], lunches[1]  # the same shift, lunch at two times
    hhmm = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    rows = []
    for pid, tpl, before, after in (("E0", first, "counter", "lobby"), ("E1", second, "lobby", "counter")):
        rows.append((pid, day.date.isoformat(), hhmm(tpl.start), hhmm(tpl.lunch_start), before))
        rows.append((pid, day.date.isoformat(), hhmm(tpl.lunch_end), hhmm(tpl.end), after))
    roster = pd.DataFrame(rows, columns=["employee", "date", "start", "end", "role"])
    made = sum(role_changes(roster.itertuples()).values())
    assert made == 2
    assert model_changes_of(inst, roster, week) == WEIGHT * made
