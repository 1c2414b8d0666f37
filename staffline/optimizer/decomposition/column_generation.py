"""Column generation over the shared shift core: a strong bound and LP-guided rosters.

Why: when the rules that tie employees together are only shift covers (a
count of people on a shift type per day, with weighted shortfall and excess,
as in the Curtois-Qu benchmark), the compact model's LP relaxation knows
nothing of each person's rules (runs, rest, weekends, contract minutes) and
its bound is near zero, so CP-SAT searches blind. The Dantzig-Wolfe
reformulation chooses one whole *schedule* per employee; its LP relaxation
already holds every personal rule, and on the benchmark it lies within a few
tenths of a percent of the best-known optimum.

The pieces:

- :class:`EmployeePricer`: the employee's own rules (every rule object with
  that ``employee``, hard and soft) on a one-employee
  :class:`~staffline.optimizer.core.shift_model.ShiftModel`, solved by CP-SAT with
  the cover duals in the objective. The same rule objects as the full model,
  so a schedule it returns obeys exactly the rules the full model enforces,
  and its cost is that employee's penalties.
- :class:`DpPricer`: the same pricing by the exact dynamic programme of
  :mod:`~staffline.optimizer.decomposition.schedule_dp` when every rule of the employee is
  one it knows (Curtois rules: milliseconds a schedule instead of a CP-SAT
  solve); limits too wide for its state are priced by Lagrangian multipliers
  and checked, and it falls back to :class:`EmployeePricer` when that fails.
  :func:`make_pricer` picks one.
- :class:`CoverMaster`: the restricted master LP (GLOP): one convexity row
  per employee, one row per covered (day, shift type) with shortfall and
  excess columns at their weights.
- :func:`generate` runs pricing rounds (two threads: CP-SAT releases the
  GIL) with Wentges dual smoothing and returns the Lagrangian lower bound,
  valid at every round: ``sum(pi * required) + sum_e min_schedule(cost - pi * a)``,
  with each minimum replaced by CP-SAT's proven bound on it.
- :func:`dive_cells` turns the LP into a roster: fix the assignments
  (employee, day) -> shift with the largest fractional LP value, re-generate
  columns around them, repeat until the LP is integral.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from staffline.constraints.shift_type_rules import ShiftCover
from staffline.optimizer.core.shift_model import SCALE, ShiftModel
from staffline.optimizer.decomposition.schedule_dp import DpTooLarge, ScheduleDP, counts, read_rules, request_cost

MAX_HALVINGS = 2  # a dive step backs out at most this often once HURRY_SHARE of the dive's time has passed (dive_cells)
HURRY_SHARE = 0.25
DUAL_SCALE = 1000  # pricing objective units per value unit (duals are real numbers)


@dataclass(frozen=True)
class Column:
    """One employee's schedule: template index per day (-1 = off) and the employee's penalties for it."""

    employee: int
    shifts: tuple[int, ...]
    cost: float


@dataclass(frozen=True)
class CoverRow:
    """A coupling row: people on template ``template_id`` on day ``day``, with weighted shortfall / excess."""

    day: int
    template_id: str
    required: int
    under_weight: float
    over_weight: float

    def penalty(self, staffed: int) -> float:
        """What the row costs with ``staffed`` people on it: weighted shortfall plus weighted excess."""
        return self.under_weight * max(0, self.required - staffed) + self.over_weight * max(0, staffed - self.required)


def split_rules(rules: Sequence, n_employees: int) -> tuple[dict[int, list], list[CoverRow]]:
    """(each employee's own rules, the cover rows) of a decomposable rule set."""
    per_employee: dict[int, list] = {i: [] for i in range(n_employees)}
    covers = []
    for rule in rules:
        if isinstance(rule, ShiftCover):
            covers.append(CoverRow(rule.day, rule.shift, rule.required, rule.under_weight, rule.over_weight))
        else:
            per_employee[rule.employee].append(rule)
    return per_employee, covers


class EmployeePricer:
    """The pricing problem of one employee: its own rules on a one-employee ShiftModel."""

    MIN_SECONDS = 0.01  # CP-SAT's time per call at least, however near the deadline

    def __init__(self, employee_index: int, employee, days, rules: Sequence):
        self.employee = employee_index
        b = ShiftModel([employee], days)
        b.add_rules([dataclasses.replace(rule, employee=0) for rule in rules])
        # the penalties as a fixed linear form; duals are added on top of it each round
        b.model.Minimize(b.total(b.penalty_terms()) if b.penalties else 0)
        objective = b.model.proto.objective
        self.penalty_coeffs = dict(zip(objective.vars, objective.coeffs))
        self.penalty_offset = objective.offset
        self.cells = [(d, t, var.Index()) for (_, d), options in b.x.items() for t, var in options.items()]
        self.b = b
        self.templates = [[tpl.id for tpl in day.templates] for day in days]
        self.n_days = len(days)
        self._free: dict[int, tuple[int, int]] = {}  # variable -> its domain before restrict()

    def price(self, duals: dict[tuple[int, str], float], time_limit: float, threshold: float | None = None) -> tuple[list[Column], float]:
        """Schedules found against ``duals`` (cheapest first) and a proven lower bound on ``cost - duals . schedule``.

        ``threshold`` (the value below which a schedule is worth a column) is
        only a hint to faster pricers; CP-SAT always searches to the optimum.
        """
        coeffs = {k: c * DUAL_SCALE for k, c in self.penalty_coeffs.items()}
        for (d, t, k), price in zip(self.cells, self.cell_prices(duals)):
            if price:
                coeffs[k] = coeffs.get(k, 0) + price * SCALE * DUAL_SCALE
        objective = self.b.model.proto.objective
        objective.vars.clear()
        objective.coeffs.clear()
        items = [(k, int(round(c))) for k, c in coeffs.items()]
        objective.vars.extend([k for k, _ in items])
        objective.coeffs.extend([c for _, c in items])
        objective.offset = self.penalty_offset * DUAL_SCALE
        rounding = 0.5 * len(items) / (SCALE * DUAL_SCALE)  # how far the integer objective may sit from the real one
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = max(self.MIN_SECONDS, time_limit)
        # a tiny model solved thousands of times: one presolve pass, the full LP, no symmetry search
        # (25 ms instead of 44 ms a solve on Curtois Instance12, same optima)
        solver.parameters.max_presolve_iterations = 1
        solver.parameters.linearization_level = 2
        solver.parameters.symmetry_level = 0
        found = _Schedules(self)
        status = solver.Solve(self.b.model, found)
        if status == cp_model.INFEASIBLE:
            return [], math.inf
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and not found.columns:
            # presolve decided everything (an employee with a single possible week): no callback ran
            found.columns.append(self.column({k: solver.Value(self.b.model.get_int_var_from_proto_index(k)) for k in found.indices}))
        if status == cp_model.UNKNOWN:
            # stopped before presolve ended, CP-SAT reports 0 as its bound, above a negative optimum (Instance14
            # under a busy CPU: a master bound of 3680 where the optimum is 1278); every variable alone at its
            # cheapest end is always a bound (domains as lists: OR-Tools' repeated fields read [-1] as 0)
            domains = [list(self.b.model.proto.variables[k].domain) for k, _ in items]
            bound = sum(min(c * domain[0], c * domain[-1]) for (_, c), domain in zip(items, domains)) + objective.offset
        else:
            bound = solver.BestObjectiveBound()
        return found.columns[::-1], bound / (SCALE * DUAL_SCALE) - rounding  # the best (last found) first

    def cell_prices(self, duals) -> list[float]:
        """What working each cell (``self.cells`` order) adds to a schedule's reduced cost: minus its cover dual.

        The one place the pricer reads duals: a master with other coupling
        rows (:class:`~staffline.optimizer.decomposition.branch_master.BranchPricer`)
        overrides it and the rest of pricing stays the same.
        """
        return [-duals.get((d, self.templates[d][t]), 0.0) for d, t, _ in self.cells]

    def restrict(self, day: int, template: int) -> None:
        """From now on only schedules working ``template`` on ``day`` (-1: off that day)."""
        proto = self.b.model.proto
        for d, t, k in self.cells:
            if d == day:
                domain = proto.variables[k].domain
                self._free.setdefault(k, (domain[0], domain[1]))
                domain[0] = domain[1] = int(t == template)

    def release(self, day: int) -> None:
        """Undo :meth:`restrict` of ``day`` (a dive backing out of a step)."""
        proto = self.b.model.proto
        for d, _, k in self.cells:
            if d == day and k in self._free:
                proto.variables[k].domain[0], proto.variables[k].domain[1] = self._free.pop(k)

    def schedule_cost(self, shifts: tuple[int, ...]) -> float:
        """The employee's penalties for working ``shifts`` (CP-SAT on a copy with every cell fixed)."""
        fixed = self.b.model.clone()
        for d, t, k in self.cells:
            domain = fixed.proto.variables[k].domain
            domain[0] = domain[1] = int(shifts[d] == t)
        objective = fixed.proto.objective  # the penalties alone (price() leaves duals in the shared model)
        objective.vars.clear()
        objective.coeffs.clear()
        objective.vars.extend(list(self.penalty_coeffs))
        objective.coeffs.extend(list(self.penalty_coeffs.values()))
        objective.offset = self.penalty_offset
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        if solver.Solve(fixed) != cp_model.OPTIMAL:
            raise ValueError(f"schedule {shifts} breaks a hard rule of employee {self.employee}")
        return solver.ObjectiveValue() / SCALE

    def column(self, values) -> Column:
        shifts = [-1] * self.n_days
        for d, t, k in self.cells:
            if values[k]:
                shifts[d] = t
        penalty = (sum(c * values[k] for k, c in self.penalty_coeffs.items()) + self.penalty_offset) / SCALE
        return Column(self.employee, tuple(shifts), penalty)


class DpPricer:
    """Pricing by :class:`~staffline.optimizer.decomposition.schedule_dp.ScheduleDP`, exact and 5-10x faster than CP-SAT.

    Per-shift-type maximums are priced with Lagrange multipliers (kept from
    call to call): the DP's optimum with multipliers is a lower bound, and it
    is the true optimum when it keeps every maximum and no multiplier is left
    on a slack one. When a few multiplier steps neither certify an optimum
    nor find a schedule below ``threshold``, the employee is priced by CP-SAT
    (:class:`EmployeePricer`, built on first need), so pricing stays exact.
    """

    STEPS = 8
    COLUMNS = 5  # schedules asked of the DP per call (its best few end states)

    def __init__(self, employee_index: int, employee, days, rules: Sequence, schedule_rules):
        self.employee = employee_index
        self.rules = schedule_rules
        self.dp = ScheduleDP(schedule_rules, max_scratch_bytes=DP_SCRATCH_LIMIT_BYTES)
        self.templates = [[tpl.id for tpl in day.templates] for day in days]
        self.base = np.zeros((schedule_rules.n_days, len(schedule_rules.template_ids)))
        for (d, t), cost in schedule_rules.request_costs.items():
            self.base[d, t] += cost
        self.column_of = {tid: t for t, tid in enumerate(schedule_rules.template_ids)}
        self.multipliers = {t: 0.0 for t in self.dp.relaxed_limits}
        self._wider: ScheduleDP | None = None  # built on first need (_widen); self.dp itself when none counts more
        self._exact_args = (employee_index, employee, days, rules)
        self._exact: EmployeePricer | None = None
        self.fallbacks = 0
        self.must_work = np.zeros(schedule_rules.n_days, dtype=bool)
        self.forced: dict[int, int] = {}

    def restrict(self, day: int, template: int) -> None:
        """From now on only schedules working ``template`` on ``day`` (-1: off that day)."""
        self.forced[day] = template
        self.must_work[day] = template >= 0
        if self._exact is not None:
            self._exact.restrict(day, template)

    def release(self, day: int) -> None:
        """Undo :meth:`restrict` of ``day`` (a dive backing out of a step)."""
        self.forced.pop(day, None)
        self.must_work[day] = False
        if self._exact is not None:
            self._exact.release(day)

    def _widen(self, max_growth: float) -> bool:
        """Swap in a DP that counts more shift-type maximums in its state if it has at most ``max_growth`` times the states.

        Why: the DP prices maximums it does not count by Lagrange multipliers,
        which often cannot decide whether a column exists when several
        maximums bind; CP-SAT then answers (about 120 ms a call on Curtois
        Instance15, where the DP takes 1-10 ms). Counting them makes each
        call slower by the growth in states (Instance19: 22 times the states
        for a maximum of 21 over 84 days, 1.4 -> 52 ms), so the caller
        widens early (any binding maximum) only when that growth is small,
        and otherwise only once CP-SAT would be needed. Root LP on 2 cores
        without a time limit: Instance13 converged in 81 -> 52 s (CP-SAT
        calls 350 -> 8), Instance15 72 -> 45 s, Instance19 unchanged (96-100 s).
        """
        if self._wider is None:
            try:
                wider = ScheduleDP(self.rules, max_states=WIDE_DP_STATES, max_scratch_bytes=WIDE_DP_SCRATCH_BYTES)
            except DpTooLarge:
                wider = self.dp
            self._wider = wider if set(wider.relaxed_limits) < set(self.dp.relaxed_limits) else self.dp
        if self._wider is self.dp or self._wider.states > max_growth * self.dp.states:
            return False
        self.dp = self._wider
        self.multipliers = {t: self.multipliers.get(t, 0.0) for t in self.dp.relaxed_limits}
        return True

    def _exact_pricer(self) -> EmployeePricer:
        if self._exact is None:
            self._exact = EmployeePricer(*self._exact_args)
            for day, template in self.forced.items():
                self._exact.restrict(day, template)
        return self._exact

    def _column(self, shifts: tuple[int, ...]) -> Column:
        return Column(self.employee, shifts, self.schedule_cost(shifts))

    def schedule_cost(self, shifts: tuple[int, ...]) -> float:
        """The employee's penalties for working ``shifts`` (its requests: the only soft rules the DP knows)."""
        return request_cost(self.rules, shifts)

    def day_costs(self, duals: dict[tuple[int, str], float]) -> np.ndarray:
        """Each (day, template) cell's request cost minus its cover dual: the DP's costs for a schedule's reduced cost."""
        costs = self.base.copy()
        for (d, tid), pi in duals.items():
            t = self.column_of.get(tid)
            if t is not None and d < costs.shape[0]:
                costs[d, t] -= pi
        return costs

    def price(self, duals: dict[tuple[int, str], float], time_limit: float, threshold: float | None = None) -> tuple[list[Column], float]:
        costs = self.day_costs(duals)
        for d, t in self.forced.items():
            keep = costs[d, t] if t >= 0 else None
            costs[d, :] = math.inf
            if keep is not None:
                costs[d, t] = keep
        limits = self.dp.relaxed_limits  # the ones the DP's state does not count
        kept: dict[tuple[int, ...], float] = {}  # schedules within the maximums -> their true value
        bound = -math.inf
        certified = False
        scale = float(np.median(np.abs(costs[np.isfinite(costs)]))) + 1.0 if np.isfinite(costs).any() else 1.0
        low: dict[int, float] = {t: 0.0 for t in limits}
        high: dict[int, float | None] = {t: None for t in limits}
        for step in range(self.STEPS if limits else 1):
            # first without multipliers: when that optimum keeps the maximums it is the answer
            multipliers = self.multipliers if step else {t: 0.0 for t in limits}
            priced = costs.copy()
            for t, lam in multipliers.items():
                priced[:, t] += lam
            found = self.dp.cheapest(priced, self.COLUMNS, self.must_work)
            if not found:
                return [], math.inf  # even without the maximums no schedule exists
            penalty = sum(lam * limits[t] for t, lam in multipliers.items())
            bound = max(bound, found[0][1] + self.rules.request_constant - penalty)
            for k, (shifts, value) in enumerate(found):
                worked = counts(self.rules, shifts)
                if all(worked[t] <= limits[t] for t in limits):
                    kept[shifts] = value + self.rules.request_constant - sum(lam * worked[t] for t, lam in multipliers.items())
                    if k == 0 and all(multipliers[t] == 0 or worked[t] == limits[t] for t in limits):
                        certified = True  # the relaxation's optimum keeps every maximum: it is the optimum
            best = min(kept.values(), default=math.inf)
            if certified or (threshold is not None and best < threshold - 1e-6):
                break
            if step == 0:
                continue
            worked = counts(self.rules, found[0][0])
            for t in limits:  # bracket each multiplier: too low while over the maximum, too high while slack
                lam, excess = self.multipliers[t], worked[t] - limits[t]
                if excess > 0:
                    low[t] = lam
                    self.multipliers[t] = (lam + high[t]) / 2 if high[t] is not None else max(2 * lam, scale)
                elif excess < 0 and lam > 0:
                    high[t] = lam
                    self.multipliers[t] = (low[t] + lam) / 2
        best = min(kept.values(), default=math.inf)
        ordered = [self._column(shifts) for shifts, _ in sorted(kept.items(), key=lambda item: item[1])]
        if not certified and self._widen(WIDEN_EARLY_GROWTH):  # a maximum binds: count it when that is cheap
            return self.price(duals, time_limit, threshold)
        if certified or (threshold is not None and (best < threshold - 1e-6 or bound >= threshold - 1e-9)):
            return ordered, bound
        if self._widen(math.inf):  # neither a column worth adding nor a proof that none exists: count more maximums first
            return self.price(duals, time_limit, threshold)
        self.fallbacks += 1  # still undecided: ask CP-SAT
        columns, exact_bound = self._exact_pricer().price(duals, time_limit)
        return columns, max(bound, exact_bound)


# The most state memory one DP call may take (each pricing thread has its own). The DP keeps every day's states for
# its walk back: Curtois Instances 13-22 need 0.01-1.6 GB, but 23 and 24 (a year, 100-150 staff, counted minutes and
# weekends) 8-15 GB a call, and with two threads the process was killed at 24 GB before any roster.
DP_SCRATCH_LIMIT_BYTES = 2 * 1024**3
# The wider DP an undecided employee gets (DpPricer._widen): states and memory a call at most.
WIDE_DP_STATES = 400_000
WIDE_DP_SCRATCH_BYTES = 256 * 1024**2
WIDEN_EARLY_GROWTH = 16.0  # the most states growth worth taking on a binding maximum alone (DpPricer._widen)


def make_pricer(employee_index: int, employee, days, rules: Sequence):
    """The DP pricer when it understands every rule of the employee and fits :data:`DP_SCRATCH_LIMIT_BYTES`, else CP-SAT."""
    schedule_rules = read_rules(employee, days, rules)
    if schedule_rules is not None:
        try:
            return DpPricer(employee_index, employee, days, rules, schedule_rules)
        except DpTooLarge:
            pass
    return EmployeePricer(employee_index, employee, days, rules)


class _Schedules(cp_model.CpSolverSolutionCallback):
    """Every schedule CP-SAT improves through while pricing: more columns from one solve."""

    def __init__(self, pricer: EmployeePricer):
        super().__init__()
        self.pricer = pricer
        self.indices = sorted({k for _, _, k in pricer.cells} | set(pricer.penalty_coeffs))
        self.columns: list[Column] = []

    def on_solution_callback(self) -> None:
        values = {k: self.Value(self.pricer.b.model.get_int_var_from_proto_index(k)) for k in self.indices}
        self.columns.append(self.pricer.column(values))


class MasterLpError(RuntimeError):
    """GLOP could not solve the master LP: column generation ends, the rosters found so far stay."""


class ColumnMaster:
    """The restricted master LP over the columns found so far (GLOP): what every master shares.

    One convexity row per employee (with an artificial 'no schedule' column
    that keeps the LP feasible), the columns, and the dive's fixings. A
    subclass adds its coupling rows (:meth:`_attach` puts a new column into
    them) and says what duals mean for pricing: :class:`CoverMaster` (shift
    covers) and :class:`~staffline.optimizer.decomposition.branch_master.BranchMaster`
    (every coupling row of a branch roster). :func:`generate` and
    :func:`dive_cells` only use this interface.
    """

    BIG = 1e7  # cost of the artificial 'no schedule' column that keeps every LP feasible
    PRESOLVE_FIRST = True  # GLOP presolves the first attempt of each solve (see solve)

    def __init__(self, n_employees: int, solver: str = "GLOP"):
        self.lp = pywraplp.Solver.CreateSolver(solver)
        self.objective = self.lp.Objective()
        self.objective.SetMinimization()
        self.convexity = [self.lp.Constraint(1, 1) for _ in range(n_employees)]
        self.columns: list[list[Column]] = [[] for _ in range(n_employees)]
        self.variables: list[list[pywraplp.Variable]] = [[] for _ in range(n_employees)]
        self.known: set[tuple[int, tuple[int, ...]]] = set()
        self.fixed: dict[int, int] = {}
        self.cells: dict[tuple[int, int], int] = {}  # (employee, day) -> template fixed by a dive (-1 off)
        self.artificial = []
        for i in range(n_employees):
            artificial = self.lp.NumVar(0, self.lp.infinity(), "")
            self.convexity[i].SetCoefficient(artificial, 1)
            self.objective.SetCoefficient(artificial, self.BIG)
            self.artificial.append(artificial)

    def _attach(self, column: Column, var: pywraplp.Variable) -> None:  # pragma: no cover - interface
        """Put the new column's variable into the coupling rows and the objective."""
        raise NotImplementedError

    def add(self, column: Column) -> bool:
        key = (column.employee, column.shifts)
        if key in self.known or column.employee in self.fixed or not self.fits(column):
            return False
        self.known.add(key)
        var = self.lp.NumVar(0, self.lp.infinity(), "")
        self.convexity[column.employee].SetCoefficient(var, 1)
        self._attach(column, var)
        self.columns[column.employee].append(column)
        self.variables[column.employee].append(var)
        # one real schedule keeps the convexity row feasible: the artificial
        # column's huge cost would only make GLOP's numbers worse
        self.artificial[column.employee].SetBounds(0.0, 0.0)
        return True

    @property
    def restricted(self) -> bool:
        """Whether a dive has fixed anything (then the LP no longer bounds the whole problem)."""
        return bool(self.fixed or self.cells)

    def fix_cell(self, employee: int, day: int, template: int) -> None:
        """From now on the employee works ``template`` on ``day`` (-1: off): other columns leave the LP."""
        self.cells[employee, day] = template
        kept = 0
        for column, var in zip(self.columns[employee], self.variables[employee]):
            if column.shifts[day] != template:
                var.SetBounds(0.0, 0.0)
            else:
                kept += column.shifts[day] == template and var.ub() > 0
        if not kept:  # until pricing finds a schedule that keeps every fixing, the LP needs its artificial column
            self.artificial[employee].SetBounds(0.0, self.lp.infinity())

    def release_cell(self, employee: int, day: int) -> None:
        """Undo :meth:`fix_cell`: the employee's columns that keep its other fixings return to the LP."""
        del self.cells[employee, day]
        fixings = self._fixings(employee)  # once, not per column: a backtrack releases hundreds of cells
        kept = False
        for column, var in zip(self.columns[employee], self.variables[employee]):
            if all(column.shifts[d] == t for d, t in fixings):
                var.SetBounds(0.0, self.lp.infinity())
                kept = True
        if kept:
            self.artificial[employee].SetBounds(0.0, 0.0)

    def release_all(self) -> list[tuple[int, int]]:
        """Undo every :meth:`fix_cell` (a new dive starts from the root): the (employee, day) cells released."""
        cells = list(self.cells)
        for employee, day in cells:
            self.release_cell(employee, day)
        return cells

    def _fixings(self, employee: int) -> list[tuple[int, int]]:
        return [(d, t) for (i, d), t in self.cells.items() if i == employee]

    def fits(self, column: Column) -> bool:
        return all(column.shifts[d] == t for d, t in self._fixings(column.employee))

    def fix(self, employee: int, k: int) -> None:
        """Employee takes its k-th column from now on."""
        self.fixed[employee] = k
        for j, var in enumerate(self.variables[employee]):
            var.SetBounds(1.0, 1.0) if j == k else var.SetBounds(0.0, 0.0)

    def solve(self) -> float:
        """The LP's optimum; :class:`MasterLpError` when GLOP fails even from scratch, with and without presolve.

        Why :attr:`PRESOLVE_FIRST` is off for shift covers: GLOP only starts
        from the last basis when it does not presolve (with presolve, adding
        columns restarted it from scratch: 2,912 iterations where the warm
        start took 176 on a random 600-row LP); Curtois Instance13's root LP
        converged in 64 s instead of 80.

        Why three attempts: GLOP can trip over a warm basis (once more from
        scratch), and after many dive fixings and releases the other
        presolve setting can solve an LP one of them ends ABNORMAL on
        (Instance7, after 100 s of dives: status 4 with presolve, optimal
        without).
        """
        status = None
        first = self.PRESOLVE_FIRST
        for incremental, presolve in ((True, first), (False, first), (False, not first)):
            params = pywraplp.MPSolverParameters()
            if not incremental:
                params.SetIntegerParam(params.INCREMENTALITY, params.INCREMENTALITY_OFF)
            if not presolve:
                params.SetIntegerParam(params.PRESOLVE, params.PRESOLVE_OFF)
            status = self.lp.Solve(params)
            if status == pywraplp.Solver.OPTIMAL:
                return self.objective.Value()
        raise MasterLpError(f"master LP not solved (GLOP status {status})")

    def weights(self, employee: int) -> list[float]:
        return [var.solution_value() for var in self.variables[employee]]


class CoverMaster(ColumnMaster):
    """The master of shift covers: one row per covered (day, shift type) with shortfall and excess columns at their weights."""

    PRESOLVE_FIRST = False  # warm starts (see ColumnMaster.solve)

    def __init__(self, n_employees: int, covers: Sequence[CoverRow], templates: list[list[str]]):
        super().__init__(n_employees)
        self.templates = templates
        self.rows: dict[tuple[int, str], pywraplp.Constraint] = {}
        self.covers = list(covers)
        for c in self.covers:
            row = self.lp.Constraint(c.required, c.required)
            under, over = self.lp.NumVar(0, self.lp.infinity(), ""), self.lp.NumVar(0, self.lp.infinity(), "")
            row.SetCoefficient(under, 1)
            row.SetCoefficient(over, -1)
            self.objective.SetCoefficient(under, c.under_weight)
            self.objective.SetCoefficient(over, c.over_weight)
            self.rows[c.day, c.template_id] = row

    def _attach(self, column: Column, var: pywraplp.Variable) -> None:
        for d, t in enumerate(column.shifts):
            if t >= 0:
                row = self.rows.get((d, self.templates[d][t]))
                if row is not None:
                    row.SetCoefficient(var, 1)
        self.objective.SetCoefficient(var, column.cost)

    def roster_cost(self, columns: Sequence[Column]) -> float:
        """The exact value of a whole roster of these columns: their own costs plus each cover row's shortfall and excess."""
        staffed: dict[tuple[int, str], int] = {}
        for column in columns:
            for d, t in enumerate(column.shifts):
                if t >= 0:
                    key = (d, self.templates[d][t])
                    staffed[key] = staffed.get(key, 0) + 1
        return sum(column.cost for column in columns) + sum(c.penalty(staffed.get((c.day, c.template_id), 0)) for c in self.covers)

    def duals(self) -> dict[tuple[int, str], float]:
        return {key: row.dual_value() for key, row in self.rows.items()}

    def reduced_cost(self, column: Column, duals: dict[tuple[int, str], float]) -> float:
        """The column's cost minus the cover duals of the shifts it works (convexity dual not included)."""
        return column.cost - sum(duals.get((d, self.templates[d][t]), 0.0) for d, t in enumerate(column.shifts) if t >= 0)

    def cover_value(self, duals: dict[tuple[int, str], float]) -> float:
        return sum(duals[c.day, c.template_id] * c.required for c in self.covers)


class Deadline:
    """A wall-clock end of a phase that another thread may bring forward (:meth:`stop`)."""

    def __init__(self, at: float):
        self.at = at
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    def left(self) -> float:
        return 0.0 if self._stopped.is_set() else self.at - time.perf_counter()

    def passed(self) -> bool:
        return self.left() <= 0.0


@dataclass
class CgStats:
    rounds: int = 0
    columns: int = 0
    lp_value: float = math.inf
    bound: float = -math.inf
    converged: bool = False
    backtracks: int = 0  # dive steps undone because the LP rose by more than max_rise
    history: list[tuple[float, float, float]] = field(default_factory=list)  # (seconds, lp, bound)


def _smoothed(centre: dict, current: dict, alpha: float) -> dict:
    if len(centre) == 0 or alpha <= 0:
        return current
    if isinstance(current, np.ndarray):  # a master's dual vector (BranchMaster)
        return alpha * centre + (1 - alpha) * current
    return {key: alpha * centre[key] + (1 - alpha) * value for key, value in current.items()}


def seed_columns(master: CoverMaster, pricers: Sequence, deadline: Deadline, pool: ThreadPoolExecutor) -> int:
    """Give every employee its own cheapest schedule (cover ignored) as a first column; returns how many were added.

    Why: without a real column the first LP holds only the artificial
    columns, every cover row is short and every cover dual is its shortfall
    weight; the Lagrangian bound of that round (every employee working all
    it may) is the best one for many rounds, so the smoothing keeps pulling
    the prices back to it and the LP crawls. Curtois 60 s roots at 27 s
    (LP / bound) without -> with these columns: Instance17 6791 / -5758 ->
    5746 / 5746 (converged at 17 s), Instance19 25374 / -13437 -> 4131 /
    -6409, Instance13 11183 / -20015 -> 4416 / -31099, Instance14
    1287 / 1251 -> 1278 / 1273. Pricing at zero duals costs one round.
    """
    free = [p for p in pricers if p.employee not in master.fixed]
    limit = max(0.01, min(2.0, deadline.left()))
    return _add_cheapest(master, free, pool, lambda: limit)


def _add_cheapest(master: ColumnMaster, pricers: Sequence, pool: ThreadPoolExecutor, limit: Callable[[], float]) -> int:
    """Each of ``pricers``' cheapest schedule (cover ignored, ``limit()`` seconds a call) into the master; how many were added."""
    added = 0
    for columns, _ in pool.map(lambda p: p.price({}, limit()), pricers):
        if columns:
            added += master.add(min(columns, key=lambda column: column.cost))
    return added


def price_missing(master: ColumnMaster, pricers: Sequence, deadline: Deadline, pool: ThreadPoolExecutor, workers: int) -> int:
    """Give each employee still without any schedule its cheapest one, with the time left shared among them; how many got one.

    Why: pricing calls are capped at 2 s, and a one-employee CP-SAT pricer
    over a year (Curtois Instance24, 364 days, 150 staff) may find no
    schedule in that time. With one employee short the LP cannot be
    completed into a roster, and the run ended at half its limit without
    one (in two ``--all`` runs of 20-24), although the same instance
    alone had one. Here each such employee gets its share of what is left
    (``workers`` calls run at a time).
    """
    missing = [p for p in pricers if p.employee not in master.fixed and not master.columns[p.employee]]
    if not missing or deadline.passed():
        return 0
    rounds = -(-len(missing) // max(1, workers))
    share = max(2.0, deadline.left() / rounds)
    return _add_cheapest(master, missing, pool, lambda: min(share, max(0.01, deadline.left())))


def generate(
    master: CoverMaster,
    pricers: Sequence[EmployeePricer],
    deadline: Deadline,
    pool: ThreadPoolExecutor,
    stats: CgStats,
    price_limit: float = 2.0,
    alpha: float = 0.5,
    max_rounds: int | None = None,
    columns_per_employee: int = 3,
    started: float | None = None,
    tail_off: float | None = None,
) -> CgStats:
    """Pricing rounds until no column improves the LP, the deadline passes or ``max_rounds``.

    With ``tail_off``, also when three rounds together lowered the LP by less
    than that share of its value: column generation's last rounds change the
    LP very little, and a dive re-converges after every step.

    ``stats.bound`` only takes bounds of the unrestricted problem (before any
    dive fixing), so it stays a bound of the whole roster problem.
    """
    started = time.perf_counter() if started is None else started
    free = [p for p in pricers if p.employee not in master.fixed]
    centre: dict = {}
    centre_value = -math.inf
    rounds = 0
    values: list[float] = []
    while not deadline.passed() and (max_rounds is None or rounds < max_rounds):
        lp_value = master.solve()
        stats.lp_value = lp_value
        current = master.duals()
        convexity = [row.dual_value() for row in master.convexity]  # read before any column changes the LP
        for attempt in (alpha, 0.0):  # a smoothed price that finds nothing is retried at the LP's own duals
            duals = _smoothed(centre, current, attempt)
            limit = max(0.01, min(price_limit, deadline.left()))
            priced = list(pool.map(lambda p: p.price(duals, limit, convexity[p.employee]), free))
            fixed_part = sum(master.reduced_cost(master.columns[i][k], duals) for i, k in master.fixed.items())
            value = master.cover_value(duals) + fixed_part + sum(bound for _, bound in priced)
            if value > centre_value:
                centre, centre_value = duals, value
            added = 0
            for p, (columns, _) in zip(free, priced):
                for column in columns[:columns_per_employee]:
                    # a column is worth adding when it prices out against the LP's own duals
                    if master.reduced_cost(column, current) - convexity[p.employee] < -1e-6 and master.add(column):
                        added += 1
            if added or attempt == 0.0:
                break
        rounds += 1
        stats.rounds += 1
        stats.columns += added
        if not master.restricted:  # a dive's fixings make the bound one of the restricted problem only
            stats.bound = max(stats.bound, centre_value)
        stats.history.append((time.perf_counter() - started, lp_value, centre_value))
        if not added:
            stats.converged = True
            break
        values.append(lp_value)
        if tail_off is not None and len(values) > 3 and values[-4] - values[-1] < tail_off * abs(values[-1]):
            break
    return stats


def dive_cells(
    master: CoverMaster,
    pricers: Sequence,
    deadline: Deadline,
    pool: ThreadPoolExecutor,
    stats: CgStats,
    share: float = 0.1,
    price_limit: float = 1.0,
    rounds: int | None = None,
    tail_off: float | None = None,
    max_rise: float | None = None,
) -> dict[int, Column] | None:
    """Fix single assignments (employee, day) -> shift or off, the heaviest fractional first, re-pricing in between.

    Why not whole schedules: fixing a person's whole schedule leaves the
    others fewer ways to fit around it, and the last fixes make the LP jump
    (Curtois Instance8: 1296.6 at the root, 1509 after a schedule dive, 1415
    after this one). An assignment fixes one day of one person and the
    pricers keep generating schedules around it. Each step fixes the
    ``share`` of the fractional cells with the largest LP value; cells every
    weighted schedule already agrees on stay open (fixing them too gave 1504).
    Ends when every employee has one schedule at weight 1.

    With ``max_rise``, a step whose re-priced LP lies more than that share
    above the LP before it is undone and retried with half its fixings
    (down to one): one bad step used to decide the roster (Instance8's LP
    went 1306.5 -> 1509 in the fifth step and the dive ended at 1515; with
    1% it ends at 1312, Instance7 1253 -> 1072, Instance12 4178 -> 4050).
    Once :data:`HURRY_SHARE` of the dive's time has passed, a step backs out
    at most :data:`MAX_HALVINGS` times: on long horizons nearly every step
    rises by more than 1% (Instance18, 84 days: 66 steps undone in 45 s and
    no roster, so the run fell back to a greedy one and ended at 4776-4782).
    Never backing out, its dive ends at 4895 and the run at 4667; backing
    out twice at most, at 4688 and 4579. Always at most twice made
    Instance7's dives worse (best 1063, was 1057); its dives end within 2 s
    of a 50 s budget, before the hurry starts, so they are unchanged.
    """
    by_employee = {p.employee: p for p in pricers}
    n = len(master.convexity)
    left = deadline.left()
    hurry_from = time.perf_counter() + HURRY_SHARE * left if math.isfinite(left) else math.inf  # then MAX_HALVINGS a step
    while True:
        if deadline.passed():
            return None
        before = master.solve()
        fractional, chosen = [], {}
        for i in range(n):
            weights = master.weights(i)
            if not weights:
                return None  # an employee without any schedule: nothing to dive to (the caller falls back)
            heaviest = max(range(len(weights)), key=weights.__getitem__)
            if weights[heaviest] >= 1 - 1e-6:
                chosen[i] = master.columns[i][heaviest]
                continue
            share_of: dict[tuple[int, int], float] = {}
            for column, w in zip(master.columns[i], weights):
                if w > 1e-9:
                    for d, t in enumerate(column.shifts):
                        share_of[d, t] = share_of.get((d, t), 0.0) + w
            best: dict[int, tuple[float, int]] = {}
            for (d, t), v in share_of.items():
                if (i, d) not in master.cells and v > best.get(d, (-1.0, 0))[0]:
                    best[d] = (v, t)
            # cells all weighted schedules agree on stay open: fixing them made the last steps of the dive jump
            fractional += [(v, i, d, t) for d, (v, t) in best.items() if v < 1 - 1e-6]
        if len(chosen) == n:
            return chosen
        if not fractional:
            return None  # someone has no schedule left that keeps the fixings: the caller completes greedily
        fractional.sort(reverse=True)
        picks = fractional[: max(1, int(math.ceil(share * len(fractional))))]
        halvings = 0
        while True:
            for _, i, d, t in picks:
                master.fix_cell(i, d, t)
                by_employee[i].restrict(d, t)
            generate(master, pricers, deadline, pool, stats, price_limit=price_limit, max_rounds=rounds, tail_off=tail_off)
            if (
                max_rise is None
                or len(picks) == 1
                or deadline.passed()
                or (halvings >= MAX_HALVINGS and time.perf_counter() > hurry_from)
                or master.solve() <= before + max_rise * abs(before)
            ):
                break
            for _, i, d, _ in picks:  # the step cost too much: back out and fix half as many
                master.release_cell(i, d)
                by_employee[i].release(d)
            picks = picks[: len(picks) // 2]
            halvings += 1
            stats.backtracks += 1
