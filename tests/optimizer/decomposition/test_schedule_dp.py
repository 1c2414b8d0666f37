"""The pricing DP against CP-SAT on the same rule objects, and its schedules against the independent referee.

Random one-employee Curtois-style instances (shift types with lengths and
forbidden successions, type maximums, contract minutes, run limits, weekends,
days off, requests) priced with random cover duals: the DP's cheapest
schedule must cost exactly what CP-SAT proves optimal, pass the referee's hard
rules, and be costed as the referee costs it.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffline.constraints.rules import ContractHours, WorkingDays
from staffline.curtois.check import check_curtois
from staffline.curtois.format import CurtoisInstance, Shift, ShiftRequest, Staff
from staffline.curtois.model import FIRST_MONDAY, ShiftType, _rules
from staffline.model import Employee
from staffline.optimizer.core.branch_model import DayGrid
from staffline.optimizer.decomposition import column_generation, schedule_dp
from staffline.optimizer.decomposition.column_generation import DpPricer, EmployeePricer, make_pricer
from staffline.optimizer.decomposition.schedule_dp import ScheduleDP, _inverse_moves, read_rules

SHIFT_IDS = ["E", "D", "L"]


@st.composite
def one_employee_instances(draw):
    horizon = draw(st.sampled_from([7, 14]))
    n_shifts = draw(st.integers(1, 3))
    ids = SHIFT_IDS[:n_shifts]
    minutes = {s: draw(st.sampled_from([240, 480, 600])) for s in ids}
    shifts = {s: Shift(s, minutes[s], frozenset(b for b in ids if draw(st.booleans()) and draw(st.booleans()))) for s in ids}
    max_shifts = {s: draw(st.sampled_from([0, 1, 2, 3, horizon])) for s in ids}
    low = draw(st.integers(0, 4)) * 480
    staff = Staff(
        "A",
        max_shifts,
        low + draw(st.integers(0, 6)) * 480,
        low,
        draw(st.integers(2, 6)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        draw(st.integers(0, horizon // 7)),
        frozenset(draw(st.lists(st.integers(0, horizon - 1), max_size=3, unique=True))),
    )
    requests = draw(st.lists(st.tuples(st.integers(0, horizon - 1), st.sampled_from(ids), st.integers(1, 3), st.booleans()), max_size=4))
    on = [ShiftRequest("A", d, s, w) for d, s, w, is_on in requests if is_on]
    off = [ShiftRequest("A", d, s, w) for d, s, w, is_on in requests if not is_on]
    duals = {(d, s): draw(st.integers(-20, 60)) / 4 for d in range(horizon) for s in ids}
    return CurtoisInstance("random", horizon, shifts, [staff], on, off, []), duals


def pricing_inputs(inst: CurtoisInstance):
    days = [FIRST_MONDAY + dt.timedelta(days=d) for d in range(inst.horizon)]
    templates = [ShiftType(s, shift.minutes) for s, shift in inst.shifts.items()]
    grid = [DayGrid(day, [], templates) for day in days]
    (e,) = inst.staff
    employee = Employee(e.id, e.id, (), unavailable=tuple(days[d] for d in sorted(e.days_off)))
    return employee, grid, [r for r in _rules(inst) if hasattr(r, "employee")]


def reduced(column, duals) -> float:
    """The column's cost minus the duals of the shifts it works."""
    return column.cost - sum(duals[d, tid] for d, tid in shift_ids(column))


def shift_ids(column):
    return [(d, SHIFT_IDS[t]) for d, t in enumerate(column.shifts) if t >= 0]


def assignment(column) -> dict:
    return {("A", d): tid for d, tid in shift_ids(column)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_employee_instances())
def test_dp_prices_exactly_what_cpsat_proves_optimal(case):
    inst, duals = case
    employee, grid, rules = pricing_inputs(inst)
    dp = make_pricer(0, employee, grid, rules)
    assert isinstance(dp, DpPricer)
    exact = EmployeePricer(0, employee, grid, rules)
    dp_columns, dp_bound = dp.price(duals, 10.0, threshold=None)
    cp_columns, cp_bound = exact.price(duals, 10.0)
    if not cp_columns:
        assert not dp_columns and dp_bound == cp_bound == float("inf")
        return
    assert dp_columns, "CP-SAT found a schedule the DP missed"
    best_cp = min(reduced(c, duals) for c in cp_columns)
    assert reduced(dp_columns[0], duals) == pytest.approx(best_cp, abs=1e-6)
    assert dp_bound <= best_cp + 1e-6
    for column in dp_columns:
        check = check_curtois(inst, assignment(column))
        assert check.violations == [], check.violations
        assert column.cost == pytest.approx(check.breakdown["shift_on_requests"] + check.breakdown["shift_off_requests"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_employee_instances(), st.integers(0, 13), st.integers(-1, 2))
def test_a_fixed_assignment_is_kept_by_both_pricers(case, day, template):
    inst, duals = case
    day %= inst.horizon
    template = template if template < len(inst.shifts) else -1
    employee, grid, rules = pricing_inputs(inst)
    dp, exact = make_pricer(0, employee, grid, rules), EmployeePricer(0, employee, grid, rules)
    for pricer in (dp, exact):
        pricer.restrict(day, template)
    dp_columns, _ = dp.price(duals, 10.0, threshold=None)
    cp_columns, _ = exact.price(duals, 10.0)
    assert bool(dp_columns) == bool(cp_columns)
    if cp_columns:
        assert reduced(dp_columns[0], duals) == pytest.approx(min(reduced(c, duals) for c in cp_columns), abs=1e-6)
        assert all(c.shifts[day] == template for c in dp_columns + cp_columns)


def _narrowed(pricer: DpPricer) -> DpPricer:
    """The pricer with a DP that counts no shift-type maximum (they all go to its multipliers), as on large instances."""
    pricer.dp = ScheduleDP(pricer.rules, max_states=1)
    pricer.multipliers = {t: 0.0 for t in pricer.dp.relaxed_limits}
    return pricer


def _binding_case():
    """Two maximums of one shift each that the cover duals make every day want (found by a seeded search)."""
    rng = random.Random(2)
    shifts = {"E": Shift("E", 480, frozenset()), "D": Shift("D", 480, frozenset({"E"})), "L": Shift("L", 480, frozenset({"E", "D"}))}
    staff = Staff(
        "A", {"E": rng.choice([1, 2, 3]), "D": rng.choice([1, 2, 3]), "L": 14}, 14 * 480, rng.choice([0, 4 * 480]), 5, 1, 1, 2, frozenset()
    )
    duals = {(d, s): rng.randint(0, 40) / 4 for d in range(14) for s in "EDL"}
    return CurtoisInstance("binding", 14, shifts, [staff], [], [], []), duals


def test_maximums_left_to_multipliers_are_counted_once_they_bind_and_pricing_stays_exact():
    inst, duals = _binding_case()
    employee, grid, rules = pricing_inputs(inst)
    pricer = _narrowed(make_pricer(0, employee, grid, rules))
    assert set(pricer.dp.relaxed_limits) == {0, 1}
    columns, bound = pricer.price(duals, 10.0, threshold=None)
    cp_columns, _ = EmployeePricer(0, employee, grid, rules).price(duals, 10.0)
    best = min(reduced(c, duals) for c in cp_columns)
    assert reduced(columns[0], duals) == pytest.approx(best, abs=1e-6) and bound == pytest.approx(best, abs=1e-6)
    assert pricer.dp.relaxed_limits == {} and pricer.fallbacks == 0  # the wider DP answered, not CP-SAT


def test_without_memory_for_a_wider_dp_an_undecided_call_still_goes_to_cpsat(monkeypatch):
    monkeypatch.setattr(column_generation, "WIDE_DP_SCRATCH_BYTES", 0)
    inst, duals = _binding_case()
    employee, grid, rules = pricing_inputs(inst)
    pricer = _narrowed(make_pricer(0, employee, grid, rules))
    columns, _ = pricer.price(duals, 10.0, threshold=None)
    cp_columns, _ = EmployeePricer(0, employee, grid, rules).price(duals, 10.0)
    assert reduced(columns[0], duals) == pytest.approx(min(reduced(c, duals) for c in cp_columns), abs=1e-6)
    assert set(pricer.dp.relaxed_limits) == {0, 1}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_employee_instances())
def test_a_dp_that_starts_with_every_maximum_relaxed_prices_exactly_what_cpsat_proves_optimal(case):
    inst, duals = case
    employee, grid, rules = pricing_inputs(inst)
    pricer = _narrowed(make_pricer(0, employee, grid, rules))
    columns, bound = pricer.price(duals, 10.0, threshold=None)
    cp_columns, _ = EmployeePricer(0, employee, grid, rules).price(duals, 10.0)
    assert bool(columns) == bool(cp_columns)
    if cp_columns:
        best = min(reduced(c, duals) for c in cp_columns)
        assert reduced(columns[0], duals) == pytest.approx(best, abs=1e-6) and bound <= best + 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(12, 20), st.booleans(), st.integers(0, 2**32 - 1), st.sampled_from([0.0, -1.0, None]))
def test_what_the_scratch_memory_held_before_a_call_changes_no_answer(low_shifts, long_days, seed, poison):
    """Each day's pass writes only its live minute range: the rest of the thread's scratch keeps an earlier call's values.

    The walk back and the enumeration must read inside those ranges only. Four weeks with a contract minimum of
    ``low_shifts`` short shifts leave narrow ranges at the bottom; with ``long_days`` (no run limit, long shifts
    paid to work) the cheapest schedules run along the top of the ranges, where the walk back looks past them.
    The scratch holds zeros, a value far below every cost, or NaN before each call, and the schedules and their
    costs must be those of a call on fresh memory.
    """
    rng = np.random.default_rng(seed)
    shifts = {"E": Shift("E", 480, frozenset()), "L": Shift("L", 600, frozenset())}
    most, run = (28 * 600, 28) if long_days else ((low_shifts + 2) * 600, 5)
    staff = Staff("A", {"E": 28, "L": 28}, most, low_shifts * 480, run, 1, 1, 4, frozenset())
    inst = CurtoisInstance("four weeks", 28, shifts, [staff], [], [], [])
    employee, grid, rules = pricing_inputs(inst)
    read = read_rules(employee, grid, rules)
    assert read is not None
    dp = ScheduleDP(read)
    costs = rng.integers(-8, 8, size=(28, 2)).astype(float) - ([0.0, 10.0] if long_days else 0.0)
    schedule_dp._thread_scratch.buffer = None  # fresh memory: every value set by this call
    clean = dp.cheapest(costs, count=4), dp.within(costs, dp.cheapest(costs)[0][1] + 4.0, 2000)
    assert clean[0], "the contract leaves a schedule"
    for _ in range(2):  # the second call reads memory the first one left
        schedule_dp._scratch(dp.scratch_bytes // 8)[:] = np.nan if poison is None else poison
        assert (dp.cheapest(costs, count=4), dp.within(costs, clean[0][0][1] + 4.0, 2000)) == clean


def test_more_schedules_are_distinct_and_sorted():
    inst = CurtoisInstance(
        "week", 7, {"E": Shift("E", 480, frozenset())}, [Staff("A", {"E": 7}, 2400, 960, 5, 1, 1, 1, frozenset())], [], [], []
    )
    employee, grid, rules = pricing_inputs(inst)
    dp = ScheduleDP(read_rules(employee, grid, rules))
    costs = np.array([[c] for c in (-3.0, -1.0, 2.0, -2.0, 0.5, -4.0, 1.0)])
    found = dp.cheapest(costs, count=5)
    values = [v for _, v in found]
    assert values == sorted(values) and len({s for s, _ in found}) == len(found) == 5
    assert values[0] == pytest.approx(-10.0)  # the four negative days: 2 to 5 shifts, 960-2400 minutes


def test_rules_beyond_the_dp_send_the_employee_to_cpsat():
    inst = CurtoisInstance(
        "week", 7, {"E": Shift("E", 480, frozenset())}, [Staff("A", {"E": 7}, 2400, 0, 5, 1, 1, 1, frozenset())], [], [], []
    )
    employee, grid, rules = pricing_inputs(inst)
    working_days = WorkingDays("working days", employee=0, minimum=2, maximum=4)
    assert read_rules(employee, grid, rules + [working_days]) is None
    assert isinstance(make_pricer(0, employee, grid, rules + [working_days]), EmployeePricer)


def test_weekly_contract_hours_of_a_longer_plan_send_the_employee_to_cpsat():
    """A ContractHours over one week of a two-week plan (--weeks) is beyond the DP, which counts minutes over the horizon."""
    inst = CurtoisInstance(
        "two weeks", 14, {"E": Shift("E", 480, frozenset())}, [Staff("A", {"E": 14}, 4800, 0, 5, 1, 1, 2, frozenset())], [], [], []
    )
    employee, grid, rules = pricing_inputs(inst)
    first_week = ContractHours("contract hours", employee=0, min_minutes=960, max_minutes=1920, days=tuple(range(7)))
    assert read_rules(employee, grid, rules + [first_week]) is None
    assert isinstance(make_pricer(0, employee, grid, rules + [first_week]), EmployeePricer)
    # over every day of the plan the limit is the DP's own: honoured, not refused
    everything = ContractHours("contract hours", employee=0, min_minutes=960, max_minutes=1920, days=tuple(range(14)))
    read = read_rules(employee, grid, rules + [everything])
    assert read is not None and read.min_minutes >= 960 and read.max_minutes <= 1920
    schedule, _ = ScheduleDP(read).cheapest(np.full((14, 1), -1.0), count=1)[0]
    assert sum(480 for t in schedule if t >= 0) == 1920  # every shift pays: as many as the limit allows


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3), st.integers(1, 40), st.data())
def test_the_walk_backs_table_lists_exactly_the_sources_of_each_move(n_groups, n_tail, data):
    """``_inverse_moves`` against the moves it inverts: every source of a target in its slots, nothing else, -1 padded."""
    moves = np.full((n_groups, 2, n_tail), -1, dtype=np.int64)
    for g in range(n_groups):
        for weekend in (0, 1):
            targets = data.draw(st.lists(st.integers(0, n_tail - 1), max_size=2 * n_tail))
            sources = data.draw(st.permutations(range(n_tail)))
            reached: dict[int, int] = {}
            for source, target in zip(sources, targets):
                if reached.get(target, 0) < 2:  # the DP's tables never reach a state from more than two
                    reached[target] = reached.get(target, 0) + 1
                    moves[g, weekend, source] = target
    inverse = _inverse_moves(moves)
    for g in range(n_groups):
        for weekend in (0, 1):
            for target in range(n_tail):
                expected = sorted(np.flatnonzero(moves[g, weekend] == target).tolist())
                slots = inverse[g, weekend, target].tolist()
                assert sorted(s for s in slots if s >= 0) == expected
                assert slots == sorted(expected) + [-1] * (2 - len(expected))
