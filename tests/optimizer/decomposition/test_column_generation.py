"""Column generation's undo (a dive backing out of a step, a new dive): releasing fixings restores the LP and every pricer."""

from __future__ import annotations

import functools
import math
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.linear_solver import pywraplp

import staffline.optimizer.decomposition.column_generation as cg
from staffline.curtois.check import check_curtois
from staffline.curtois.model import _assignment, _rules, build_curtois_model
from staffline.curtois.reader import read_curtois
from staffline.optimizer.core.shift_model import SCALE
from staffline.optimizer.decomposition.column_generation import (
    CgStats,
    CoverMaster,
    Deadline,
    DpPricer,
    EmployeePricer,
    MasterLpError,
    dive_cells,
    generate,
    make_pricer,
    seed_columns,
)
from staffline.optimizer.decomposition.engine import _complete, _dives, objective_floor, split_rules
from tests.paths import CURTOIS

needs_shared = pytest.mark.skipif(not (CURTOIS / "Instance3.txt").exists(), reason="shared Curtois files not present")


def _fresh(name: str):
    """(model, rules per employee, pricers, master) of an instance, before any column."""
    inst = read_curtois(CURTOIS / f"{name}.txt")
    rules = _rules(inst)
    b = build_curtois_model(inst, rules)
    per_employee, covers = split_rules(rules, len(b.employees))
    templates = [[tpl.id for tpl in day.templates] for day in b.days]
    pricers = [make_pricer(i, e, b.days, per_employee[i]) for i, e in enumerate(b.employees)]
    return b, per_employee, pricers, CoverMaster(len(b.employees), covers, templates)


def _root(name: str):
    """(model, rules per employee, pricers, master) of an instance, its root LP converged."""
    b, per_employee, pricers, master = _fresh(name)
    stats = CgStats()
    with ThreadPoolExecutor(2) as pool:
        generate(master, pricers, Deadline(float("inf")), pool, stats)
    assert stats.converged
    return b, per_employee, pricers, master


@needs_shared
def test_seed_columns_give_each_employee_its_cheapest_schedule_and_together_a_valid_roster():
    inst = read_curtois(CURTOIS / "Instance3.txt")
    b, per_employee, pricers, master = _fresh("Instance3")
    with ThreadPoolExecutor(2) as pool:
        assert seed_columns(master, pricers, Deadline(float("inf")), pool) == len(b.employees)
        assert seed_columns(master, pricers, Deadline(float("inf")), pool) == 0  # the same schedules again add nothing
    assert [len(columns) for columns in master.columns] == [1] * len(b.employees)
    seeds = [columns[0] for columns in master.columns]
    exact = [EmployeePricer(i, e, b.days, per_employee[i]) for i, e in enumerate(b.employees)]
    for seed, pricer in zip(seeds, exact):  # CP-SAT's own-cost optimum with no cover prices
        assert seed.cost == pytest.approx(pricer.price({}, 10.0)[1], abs=1e-3)
    # the seeds are a whole roster (covers are soft): the referee accepts it and scores it as the master does,
    # and the first LP is that roster, with no artificial column left
    solution, objective = _complete(b, {(i, d): t for i, col in enumerate(seeds) for d, t in enumerate(col.shifts) if t >= 0}, 10.0, 0)
    check = check_curtois(inst, _assignment(b, lambda var: solution[var.Index()]))
    assert check.violations == []
    assert master.roster_cost(seeds) == pytest.approx(check.objective) == objective / SCALE == pytest.approx(master.solve())


@needs_shared
def test_released_cells_give_back_the_root_lp_and_the_root_prices():
    b, per_employee, pricers, master = _root("Instance3")
    stats = CgStats()
    with ThreadPoolExecutor(2) as pool:
        root = master.solve()
        duals = master.duals()
        exact = [EmployeePricer(i, e, b.days, per_employee[i]) for i, e in enumerate(b.employees)]
        assert all(isinstance(p, DpPricer) for p in pricers)
        before = [(p.price(duals, 10.0)[1], q.price(duals, 10.0)[1]) for p, q in zip(pricers, exact)]
        # fix every employee's first three days to the opposite of its heaviest column: the LP must rise
        fixings = []
        for i, weights in enumerate(master.weights(i) for i in range(len(pricers))):
            shifts = master.columns[i][max(range(len(weights)), key=weights.__getitem__)].shifts
            for d in range(3):
                fixings.append((i, d, -1 if shifts[d] >= 0 else 0))
        for i, d, t in fixings:
            master.fix_cell(i, d, t)
            pricers[i].restrict(d, t)
            exact[i].restrict(d, t)
        generate(master, pricers, Deadline(float("inf")), pool, stats)
        assert master.solve() > root + 1e-6
        during = [(p.price(duals, 10.0)[1], q.price(duals, 10.0)[1]) for p, q in zip(pricers, exact)]
        assert any(dp > old_dp + 1e-3 and cp > old_cp + 1e-3 for (dp, cp), (old_dp, old_cp) in zip(during, before))
        for i, d, _ in fixings:
            master.release_cell(i, d)
            pricers[i].release(d)
            exact[i].release(d)
        assert master.solve() == pytest.approx(root, abs=1e-6)  # the root columns are all back (and new ones cannot beat the optimum)
        after = [(p.price(duals, 10.0)[1], q.price(duals, 10.0)[1]) for p, q in zip(pricers, exact)]
    flat = [value for pair in after for value in pair]
    assert flat == pytest.approx([value for pair in before for value in pair], abs=1e-3)  # CP-SAT's bound is rounded down a little
    assert not master.restricted


@needs_shared
def test_a_backtracking_dive_ends_with_one_schedule_per_employee_that_keeps_its_fixings():
    b, _, pricers, master = _root("Instance1")  # a fractional root (Instance3's GLOP now ends on an integral one)
    stats = CgStats()
    with ThreadPoolExecutor(2) as pool:
        # max_rise -1: no positive LP is low enough, so every step of two or more fixings backs out, whatever the LP's path
        chosen = dive_cells(master, pricers, Deadline(float("inf")), pool, stats, share=0.9, rounds=2, max_rise=-1.0)
    assert chosen is not None and sorted(chosen) == list(range(len(b.employees)))
    for (i, d), t in master.cells.items():
        assert chosen[i].shifts[d] == t
    assert stats.backtracks > 0


@needs_shared
def test_the_roster_cost_of_a_dive_is_the_referees_and_release_all_gives_back_the_root():
    b, _, pricers, master = _root("Instance1")  # a fractional root: the dive has steps to take
    inst = read_curtois(CURTOIS / "Instance1.txt")
    root = master.solve()
    with ThreadPoolExecutor(2) as pool:
        chosen = dive_cells(master, pricers, Deadline(float("inf")), pool, CgStats(), share=0.4, rounds=4)
    assert chosen is not None and master.restricted
    solution, objective = _complete(b, {(i, d): t for i, col in chosen.items() for d, t in enumerate(col.shifts) if t >= 0}, 10.0, 0)
    check = check_curtois(inst, _assignment(b, lambda var: solution[var.Index()]))
    assert check.violations == [] and master.roster_cost(list(chosen.values())) == pytest.approx(check.objective) == objective / SCALE
    released = master.release_all()
    assert released and not master.restricted and not master.cells
    for i, d in released:
        pricers[i].release(d)
    assert master.solve() == pytest.approx(root, abs=1e-6)


@needs_shared
@pytest.mark.parametrize("name", ["Instance3", "Instance6"])  # 3: the first dive reaches the bound; 6: it does not
def test_several_dives_keep_the_cheapest_roster_and_none_beats_the_root_bound(name):
    """No wall-clock end for the later dives (Instance6 took 5 s of an 8 s end that was here before): they end by floor, patience or cap."""
    b, _, pricers, master = _root(name)
    stats = CgStats()
    with ThreadPoolExecutor(2) as pool:
        generate(master, pricers, Deadline(float("inf")), pool, stats)  # converged already: this only records the bound
        info: dict = {}
        chosen = _dives(
            master,
            pricers,
            Deadline(float("inf")),
            Deadline(float("inf")),
            pool,
            stats,
            info,
            objective_floor(b.model, stats.bound) / SCALE,
        )
    values = [v for v in info["dives"] if v is not None]
    assert chosen is not None and sorted(chosen) == list(range(len(b.employees)))
    assert master.roster_cost(list(chosen.values())) == min(values)
    assert all(v >= stats.bound - 1e-6 for v in values)
    # more than one dive unless the first reached the bound
    assert len(info["dives"]) > 1 or values[0] <= objective_floor(b.model, stats.bound) / SCALE


def _fail(*_):
    raise MasterLpError("master LP not solved (GLOP status 4)")


@needs_shared
def test_a_later_dive_whose_lp_glop_cannot_solve_ends_the_dives_with_the_first_roster():
    b, _, pricers, master = _root("Instance6")  # its first dive does not reach the bound: a second one starts
    release_all = master.release_all

    def release_then_fail():
        cells = release_all()
        master.solve = _fail
        return cells

    stats = CgStats()
    with ThreadPoolExecutor(2) as pool:
        generate(master, pricers, Deadline(float("inf")), pool, stats)  # converged already: this only records the bound
        master.release_all = release_then_fail
        info: dict = {}
        chosen = _dives(
            master,
            pricers,
            Deadline(float("inf")),
            Deadline(float("inf")),
            pool,
            stats,
            info,
            objective_floor(b.model, stats.bound) / SCALE,
        )
    assert info["master_lp_error"] == "master LP not solved (GLOP status 4)"
    assert chosen is not None and sorted(chosen) == list(range(len(b.employees)))
    assert master.roster_cost(list(chosen.values())) == info["dives"][0] and len(info["dives"]) == 1


class _FailingLp:
    """The master's GLOP solver, except that its first ``failures`` solves end ABNORMAL (as GLOP's presolve did on Instance7)."""

    def __init__(self, lp, failures: int):
        self.lp, self.failures, self.calls = lp, failures, 0

    def Solve(self, *parameters):  # noqa: N802 (pywraplp's name)
        self.calls += 1
        if self.calls <= self.failures:
            return pywraplp.Solver.ABNORMAL
        return self.lp.Solve(*parameters)

    def __getattr__(self, name):
        return getattr(self.lp, name)


@needs_shared
def test_the_master_lp_survives_two_glop_failures_and_names_the_third():
    _, _, _, master = _root("Instance3")
    optimum = master.solve()
    real = master.lp
    master.lp = _FailingLp(real, 2)  # warm and cold fail: the third attempt, with the other presolve setting, solves it
    assert master.solve() == pytest.approx(optimum)
    master.lp = _FailingLp(real, 3)
    with pytest.raises(MasterLpError, match="GLOP status"):
        master.solve()


@functools.lru_cache(maxsize=None)
def _parts(name: str):
    """(model, rules per employee, cover rows) of an instance."""
    inst = read_curtois(CURTOIS / f"{name}.txt")
    rules = _rules(inst)
    b = build_curtois_model(inst, rules)
    per_employee, covers = split_rules(rules, len(b.employees))
    return b, per_employee, covers


@needs_shared
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), employee=st.integers(0, 5), seconds=st.sampled_from([0.0, 0.0005, 0.002]))
def test_a_cpsat_pricer_stopped_early_still_returns_a_lower_bound(seed, employee, seconds):
    """CP-SAT stopped before its presolve ends reports 0 as its bound, and pricing optima are negative.

    (Instance14 on a busy CPU: pricers given 0.01 s near the root's deadline made the master bound 3680, the optimum is 1278.)
    """
    b, per_employee, covers = _parts("Instance3")
    rng = random.Random(seed)
    duals = {(c.day, c.template_id): rng.uniform(-5, 50) for c in covers}
    pricer = EmployeePricer(employee, b.employees[employee], b.days, per_employee[employee])
    columns, optimum = pricer.price(duals, 30.0)
    templates = pricer.templates
    best = columns[0].cost - sum(duals.get((d, templates[d][t]), 0.0) for d, t in enumerate(columns[0].shifts) if t >= 0)
    assert optimum <= best + 1e-6 and best - optimum < 0.01  # solved to optimality: the bound is the optimum (up to rounding)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(EmployeePricer, "MIN_SECONDS", 0.0)
        _, bound = pricer.price(duals, seconds)
    assert math.isfinite(bound) and bound <= optimum + 1e-6


class _RisingMaster:
    """A master LP whose value is the number of fixed cells: every dive step that fixes more than one cell rises.

    Each employee has two columns at weight 1/2 (on template 0 every day, or
    off every day) until all its days are fixed; then the first one, which
    agrees with every fixing (a tie goes to the first column), has weight 1.
    So the dive's path depends on nothing but the number of open cells.
    """

    def __init__(self, employees: int, days: int):
        self.days = days
        self.columns = [[cg.Column(i, (0,) * days, 0.0), cg.Column(i, (-1,) * days, 0.0)] for i in range(employees)]
        self.convexity = [None] * employees
        self.cells: dict[tuple[int, int], int] = {}

    def solve(self) -> float:
        return float(len(self.cells))

    def weights(self, i: int) -> list[float]:
        done = all((i, d) in self.cells for d in range(self.days))
        return [1.0, 0.0] if done else [0.5, 0.5]

    def fix_cell(self, i: int, d: int, t: int) -> None:
        assert (i, d) not in self.cells and t == 0
        self.cells[i, d] = t

    def release_cell(self, i: int, d: int) -> None:
        del self.cells[i, d]


class _NoPricer:
    def __init__(self, employee: int):
        self.employee = employee

    def restrict(self, d: int, t: int) -> None:
        pass

    def release(self, d: int) -> None:
        pass


class _Clock:
    """Stands in for the ``time`` module in column_generation: every reading is one second after the last."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1.0
        return self.now


def _steps_recorder(monkeypatch, stats: CgStats, price) -> list[int]:
    """Replaces ``generate`` by ``price`` and returns the list that will hold each dive step's back-outs (read after the dive).

    A pricing call with ``stats.backtracks`` one above the call before is the same step, halved.
    """
    steps: list[int] = []
    last: int | None = None  # stats.backtracks at the call before

    def recording(*args, **kwargs):
        nonlocal last
        if last is not None and stats.backtracks > last:
            steps[-1] += 1
        else:
            steps.append(0)
        last = stats.backtracks
        return price(*args, **kwargs)

    monkeypatch.setattr(cg, "generate", recording)
    return steps


def _halvings_per_step(monkeypatch, hurry_share: float, employees: int = 4, days: int = 8) -> tuple[list[int], int]:
    """(back-outs of each step, fixed cells) of a dive on :class:`_RisingMaster`, fixing every open cell at each step's start."""
    master = _RisingMaster(employees, days)
    stats = CgStats()
    steps = _steps_recorder(monkeypatch, stats, lambda *args, **kwargs: stats)
    monkeypatch.setattr(cg, "time", _Clock())  # the hurry starts when the clock says, not when the machine gets there
    monkeypatch.setattr(cg, "HURRY_SHARE", hurry_share)
    chosen = dive_cells(master, [_NoPricer(i) for i in range(employees)], Deadline(1e9), None, stats, share=1.0, max_rise=0.0)
    assert chosen is not None and sorted(chosen) == list(range(employees))
    assert all(master.cells.get((i, d)) == column.shifts[d] for i, column in chosen.items() for d in range(days))
    assert sum(steps) == stats.backtracks
    return steps, len(master.cells)


def test_a_patient_dive_halves_a_rising_step_down_to_one_fixing(monkeypatch):
    steps, fixed = _halvings_per_step(monkeypatch, 1.0)  # the hurry starts after the dive's 1e9 s
    # n open cells, all fixed at once, then n // 2, n // 4, ... until one: floor(log2 n) back-outs, one cell fixed a step
    assert steps == [int(math.log2(n)) for n in range(32, 0, -1)] and fixed == 32
    assert max(steps) > cg.MAX_HALVINGS  # the case the hurry rule is for


def test_a_hurried_dive_backs_out_of_each_step_at_most_max_halvings_times(monkeypatch):
    steps, fixed = _halvings_per_step(monkeypatch, 0.0)  # hurried from the first step
    assert fixed == 32 and max(steps) == cg.MAX_HALVINGS
    # after MAX_HALVINGS back-outs the step keeps n // 2**MAX_HALVINGS fixings (at least one) however much the LP rose
    expected, n = [], 32
    while n:
        expected.append(min(cg.MAX_HALVINGS, int(math.log2(n))))
        n -= max(1, n >> cg.MAX_HALVINGS)
    assert steps == expected and len(steps) < 32


@needs_shared
def test_a_hurried_dive_on_a_real_roster_ends_with_one_schedule_per_employee(monkeypatch):
    """The hurry rule on Instance1's LP (fractional at the root): whatever path the LP takes, no step backs out more than MAX_HALVINGS times."""
    b, _, pricers, master = _root("Instance1")
    stats = CgStats()
    steps = _steps_recorder(monkeypatch, stats, cg.generate)
    monkeypatch.setattr(cg, "HURRY_SHARE", 0.0)
    with ThreadPoolExecutor(2) as pool:
        chosen = dive_cells(master, pricers, Deadline(time.perf_counter() + 600), pool, stats, share=0.9, rounds=2, max_rise=0.0)
    assert chosen is not None and sorted(chosen) == list(range(len(b.employees)))
    assert all(chosen[i].shifts[d] == t for (i, d), t in master.cells.items())
    assert steps and max(steps) <= cg.MAX_HALVINGS and sum(steps) == stats.backtracks


@needs_shared
def test_an_employee_whose_dp_needs_more_memory_than_allowed_is_priced_by_cpsat_to_the_same_root(monkeypatch):
    """Curtois 23 and 24 would need 8-15 GB of DP states a call: above the limit CP-SAT prices, and the root LP is the same."""
    b, _, dp_pricers, master = _fresh("Instance1")
    assert all(isinstance(p, DpPricer) for p in dp_pricers)
    assert 0 < max(p.dp.scratch_bytes for p in dp_pricers) <= cg.DP_SCRATCH_LIMIT_BYTES
    monkeypatch.setattr(cg, "DP_SCRATCH_LIMIT_BYTES", 0)
    _, _, cp_pricers, cp_master = _fresh("Instance1")
    assert all(isinstance(p, EmployeePricer) for p in cp_pricers)
    values = []
    for pricers, m in ((dp_pricers, master), (cp_pricers, cp_master)):
        stats = CgStats()
        with ThreadPoolExecutor(2) as pool:
            generate(m, pricers, Deadline(float("inf")), pool, stats)
        assert stats.converged
        values.append(stats.lp_value)
    assert values[1] == pytest.approx(values[0], abs=1e-6)
