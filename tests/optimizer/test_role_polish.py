"""Polishing a day's roles person by person: exact against the CP-SAT day model, never worse, block rule kept."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from staffline.optimizer.assign_roles import assign_day, day_model, rule_weight_of, whole_day_roles
from staffline.optimizer.role_polish import DayPrices, day_objective, kick_and_polish, polish_roles

ROLES = ("advisory", "counter", "lobby")


@st.composite
def days(draw):
    """A random day: people with 1-3 roles and a shift (sometimes with lunch), targets, convex-ish wait curves, limits, weights."""
    n_slots = draw(st.integers(6, 14))
    people = []
    for k in range(draw(st.integers(1, 6))):
        roles = tuple(sorted(draw(st.sets(st.sampled_from(ROLES), min_size=1, max_size=3))))
        first = draw(st.integers(0, n_slots - 2))
        last = draw(st.integers(first + 1, n_slots - 1))
        slots = list(range(first, last + 1))
        if len(slots) > 4 and draw(st.booleans()):  # a lunch gap of one or two slots
            gap = draw(st.integers(2, len(slots) - 3))
            del slots[gap : gap + draw(st.integers(1, 2))]
        people.append((f"E{k}", roles, tuple(slots)))
    n = len(people)
    targets = {}
    for _, roles, slots in people:
        for s in slots:
            for r in roles:
                targets[frozenset(roles), s, r] = draw(st.integers(0, 2))
    wait_values = {}
    for r in draw(st.sets(st.sampled_from(ROLES), min_size=1)):
        scale = draw(st.lists(st.integers(0, 400), min_size=n_slots, max_size=n_slots))
        # a rounded convex curve, not exactly convex: the model takes the tangents' maximum, and so must polishing
        values = np.array([[a // (k + 1) ** 2 for k in range(n + 1)] for a in scale], dtype=np.int64)
        wait_values[r] = (values, np.zeros(n_slots, dtype=np.int64))
    minimums = {(s, r): 1 for s, r in draw(st.sets(st.tuples(st.integers(0, n_slots - 1), st.sampled_from(ROLES)), max_size=4))}
    maximums = {
        (s, r): draw(st.integers(0, 2))
        for s, r in draw(st.sets(st.tuples(st.integers(0, n_slots - 1), st.sampled_from(ROLES)), max_size=3))
    }
    prefer = {}
    if draw(st.booleans()):
        pid, roles, slots = people[0]
        prefer = {(pid, s): draw(st.sampled_from(ROLES)) for s in slots}
    prices = DayPrices(
        targets,
        wait_values,
        minimums,
        maximums,
        rule_weight_of(wait_values),
        change_weight=draw(st.integers(0, 60)),
        prefer=prefer,
        prefer_weight=draw(st.integers(0, 30)) if prefer else 0,
    )
    return people, draw(st.integers(1, 4)), prices


def model_objective(people, block: int, prices: DayPrices, roles_of) -> int | None:
    """The CP-SAT day model's optimum with every person's roles fixed to ``roles_of`` (None: the model forbids it)."""
    m, z = day_model(people, block, prices, {}, None)
    for (pid, s, r), var in z.items():
        m.Add(var == int(roles_of[pid, s] == r))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.Solve(m)
    assert status != cp_model.UNKNOWN
    return round(solver.ObjectiveValue()) if status == cp_model.OPTIMAL else None  # an integer objective, read back as a float


@settings(max_examples=60, deadline=None)
@given(days(), st.integers(0, 3))
def test_polishing_is_never_worse_keeps_the_block_rule_and_prices_as_the_model(day, seed):
    people, block, prices = day
    start = whole_day_roles(people, prices.targets, {}, prices.minimums, prices.maximums, seed)
    polished = polish_roles(people, start, block, prices, seed)
    assert {(p, s) for p, _, slots in people for s in slots} == set(polished)
    assert all(polished[p, s] in roles for p, roles, slots in people for s in slots)
    assert day_objective(people, polished, prices) <= day_objective(people, start, prices)
    # the model accepts it (block rule) and prices it exactly as polishing does
    assert model_objective(people, block, prices, polished) == day_objective(people, polished, prices)
    assert model_objective(people, block, prices, start) == day_objective(people, start, prices)


@settings(max_examples=40, deadline=None)
@given(days())
def test_one_persons_best_roles_are_the_models_optimum_with_everyone_else_fixed(day):
    """The dynamic program is exact: with only the first person free, polishing reaches CP-SAT's proven optimum."""
    people, block, prices = day
    start = whole_day_roles(people, prices.targets, {}, prices.minimums, prices.maximums)
    free = people[0][0]
    others = {key: role for key, role in start.items() if key[0] != free}
    pinned = dataclasses.replace(prices, fixed=others)
    polished = polish_roles(people, start, block, pinned)
    m, z = day_model(people, block, pinned, {}, None)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    assert solver.Solve(m) == cp_model.OPTIMAL
    assert day_objective(people, polished, pinned) == round(solver.ObjectiveValue())


def test_assign_day_returns_the_polished_assignment_when_cp_sat_has_no_time():
    """No wall time for CP-SAT: the polished whole-day start stands, and it splits a person's day where that pays."""
    people = [("A", ("counter", "lobby"), tuple(range(8))), ("B", ("counter",), tuple(range(8)))]
    cls = frozenset({"counter", "lobby"})
    targets = {(cls, s, "lobby"): int(s >= 4) for s in range(8)} | {(cls, s, "counter"): int(s < 4) for s in range(8)}
    targets |= {(frozenset({"counter"}), s, "counter"): 1 for s in range(8)}
    roles_of, mismatch, changes = assign_day(people, targets, block_slots=2, time_limit=0.0, change_weight=1, wall_limit=1.0)
    assert [roles_of["A", s] for s in range(8)] == ["counter"] * 4 + ["lobby"] * 4
    assert (mismatch, changes) == (0, 1)


def three_on_counter_and_lobby():
    """Three counter-and-lobby people all day (8 slots), two wanted on counter and one on lobby: (people, targets)."""
    cls = frozenset({"counter", "lobby"})
    people = [(f"E{k}", ("counter", "lobby"), tuple(range(8))) for k in range(3)]
    return people, {(cls, s, "counter"): 2 for s in range(8)} | {(cls, s, "lobby"): 1 for s in range(8)}


def test_a_day_with_more_people_than_cp_sat_improves_keeps_the_polished_start(monkeypatch):
    """Above CP_SAT_MOST_PEOPLE on duty the day model is never built (one-worker runs have no wall clock to stop it); at or below, it is."""
    import staffline.optimizer.assign_roles as assign_roles

    built = []
    real_day_model = assign_roles.day_model

    def counted(*args, **kwargs):
        built.append(1)
        return real_day_model(*args, **kwargs)

    monkeypatch.setattr(assign_roles, "day_model", counted)
    monkeypatch.setattr(assign_roles, "CP_SAT_MOST_PEOPLE", 2)
    people, targets = three_on_counter_and_lobby()
    roles_of, mismatch, _ = assign_day(people, targets, block_slots=2, time_limit=1.0)
    assert built == [] and mismatch == 0  # three people: polished alone, and the whole-day split meets the targets
    assert sorted(roles_of[p, 0] for p, _, _ in people) == ["counter", "counter", "lobby"]
    assign_day(people[:2], targets, block_slots=2, time_limit=1.0)
    assert built == [1]  # two people: CP-SAT searches on


@settings(max_examples=40, deadline=None)
@given(days(), st.integers(0, 3), st.booleans())
def test_kicks_are_never_worse_than_the_polished_start_keep_the_block_rule_and_fixed_roles(day, seed, pin_first):
    """Kicked and re-polished roles cost at most the polished start's, the model accepts them, and a person with fixed roles keeps them."""
    people, block, prices = day
    if pin_first:  # the first person's roles published and kept (re-planning): kicks must leave them
        pid, roles, slots = people[0]
        prices = dataclasses.replace(prices, fixed={(pid, s): roles[0] for s in slots})
    start = whole_day_roles(people, prices.targets, prices.fixed, prices.minimums, prices.maximums, seed)
    polished = polish_roles(people, start, block, prices, seed)
    kicked = kick_and_polish(people, polished, block, prices, seed, rounds=8)
    assert set(kicked) == set(polished) and all(kicked[p, s] in roles for p, roles, slots in people for s in slots)
    assert day_objective(people, kicked, prices) <= day_objective(people, polished, prices)
    assert model_objective(people, block, prices, kicked) == day_objective(people, kicked, prices)
    if pin_first:
        assert all(kicked[key] == role for key, role in prices.fixed.items())


def test_big_days_are_kicked_by_the_clock_or_by_a_fixed_count(monkeypatch):
    """Above CP_SAT_MOST_PEOPLE, assign_day kicks the polished roles: until the day's wall time ends (several workers), or a fixed number of rounds (repeatable runs)."""
    import staffline.optimizer.assign_roles as assign_roles

    kicks = []
    real_kicks = assign_roles.kick_and_polish

    def counted(*args, **kwargs):
        kicks.append((kwargs.get("stop") is not None, kwargs.get("rounds")))
        return real_kicks(*args, **kwargs)

    monkeypatch.setattr(assign_roles, "kick_and_polish", counted)
    monkeypatch.setattr(assign_roles, "CP_SAT_MOST_PEOPLE", 2)
    people, targets = three_on_counter_and_lobby()
    first, _, _ = assign_day(people, targets, block_slots=2, time_limit=1.0)
    again, _, _ = assign_day(people, targets, block_slots=2, time_limit=1.0)
    assert kicks == [(False, assign_roles.KICK_PERSON_ROUNDS // 3)] * 2 and first == again  # no wall clock: repeatable
    roles_of, mismatch, _ = assign_day(people, targets, block_slots=2, time_limit=1.0, wall_limit=0.5)
    assert kicks[-1] == (True, assign_roles.KICK_MOST_ROUNDS) and mismatch == 0
