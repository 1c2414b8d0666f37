"""The whole planning run inside its time limit: the search never gets more than the limit, and a run out of time still ends cleanly."""

import pytest

from staffline.deadline import Deadline
from staffline.optimizer.assign_roles import assign_day, count_changes, count_mismatch, one_role_each
from staffline.optimizer.roster import solve_roster
from staffline.pipeline import forecast_week, plan
from tests.optimizer.branches import WEEK, small_branch


@pytest.mark.parametrize("limit", [2.0, 5.0])
def test_tiny_limit_ends_with_a_roster_or_time_limit_and_the_search_stays_inside_it(limit):
    inst = small_branch(n_staff=5, n_roles=2, seed=3)
    p = plan(inst, WEEK, time_limit=limit, workers=2, seed=0, model="profile")
    assert p.status in ("optimal", "feasible", "time_limit")
    assert p.kpis["solve_seconds"] <= limit
    assert set(p.timing) >= {"forecast", "requirements", "roster"}
    if p.status == "time_limit":
        assert p.roster.empty
    else:
        assert not p.roster.empty and p.kpis["hard_violations"] == []


def test_a_deadline_already_passed_still_ends_with_a_roster_or_time_limit():
    inst = small_branch(n_staff=5, n_roles=2, seed=3)
    demand = forecast_week(inst, WEEK, "profile")
    result = solve_roster(inst, demand, WEEK, time_limit=3, workers=2, seed=0, deadline=Deadline(0.0))
    assert result.status in ("optimal", "feasible", "time_limit")
    assert result.solve_seconds <= 3
    if result.status != "time_limit":  # role assignment had no time: every worked slot still has one certified role
        worked = {(row.employee, row.date) for row in result.roster.itertuples()}
        assert worked and set(result.roster["role"]) <= set(inst.branch.role_names)


def test_role_assignment_without_time_keeps_one_role_a_day_and_counts_honestly():
    people = [("A", ("counter", "lobby"), (0, 1, 2, 3)), ("B", ("counter",), (2, 3, 4, 5)), ("C", ("counter", "lobby"), (0, 1))]
    cls = frozenset({"counter", "lobby"})
    targets = {(cls, s, "lobby"): 1 for s in range(4)} | {(frozenset({"counter"}), s, "counter"): 1 for s in range(2, 6)}
    roles_of, mismatch, changes = assign_day(people, targets, block_slots=2, time_limit=1.0, change_weight=5, wall_limit=0.0)
    assert {(p, s) for p, _, slots in people for s in slots} == set(roles_of)
    assert all(roles_of[p, s] in roles for p, roles, slots in people for s in slots)
    assert mismatch == count_mismatch(roles_of, people, targets) and changes == count_changes(roles_of, people)
    simple = one_role_each(people, targets, {})
    assert simple["A", 0] == "lobby" and simple["B", 3] == "counter"  # the role its class is wanted on most
    assert count_changes(simple, people) == 0


def test_role_assignment_with_time_is_no_worse_than_the_fallback():
    people = [("A", ("counter", "lobby"), (0, 1, 2, 3)), ("C", ("counter", "lobby"), (0, 1, 2, 3))]
    cls = frozenset({"counter", "lobby"})
    targets = {(cls, s, "lobby"): 1 for s in range(4)} | {(cls, s, "counter"): 1 for s in range(4)}
    _, mismatch, _ = assign_day(people, targets, block_slots=2, time_limit=1.0)
    assert mismatch == 0 < count_mismatch(one_role_each(people, targets, {}), people, targets)


def test_the_fallback_without_time_holds_hard_role_minima_one_role_a_day_cannot_miss():
    """Both are wanted on counter most, but an appointment needs one advisor: the whole-day start gives one of them advisory."""
    people = [("A", ("advisory", "counter"), (0, 1, 2, 3)), ("B", ("advisory", "counter"), (0, 1, 2, 3))]
    cls = frozenset({"advisory", "counter"})
    targets = {(cls, s, "counter"): 2 for s in range(4)}
    need = {(s, "advisory"): 1 for s in range(4)}
    naive = one_role_each(people, targets, {})
    assert all(naive[p, s] == "counter" for p, _, slots in people for s in slots)  # the old fallback broke the minimum
    roles_of, _, changes = assign_day(people, targets, block_slots=2, time_limit=1.0, minimums=need, wall_limit=0.0)
    assert all(sum(roles_of[p, s] == "advisory" for p, _, _ in people) >= 1 for s in range(4))
    assert changes == 0  # still one role a day each
