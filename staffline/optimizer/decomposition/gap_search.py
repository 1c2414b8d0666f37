"""Exact search for a shift-cover roster costing at most a target: reduced-cost enumeration, then one MILP.

Why: the column-generation LP bounds every roster from below, and at its
dual prices (pi) a roster's cost splits into the Lagrangian value L(pi)
plus non-negative terms, one per employee (its schedule's reduced cost
above the employee's cheapest) and one per cover slack (its reduced cost
times the slack). So a roster costing at most ``target`` can only use
schedules, and cover slacks, whose term fits in the gap ``target - L(pi)``.
Listing every such schedule (:meth:`~staffline.optimizer.decomposition.schedule_dp.ScheduleDP.within`)
and forbidding every slack that does not fit makes one MILP that holds every
roster at or below the target, and nothing is lost: CBC's optimum is the
best roster at or below the target, and "infeasible" proves there is none.

Curtois Instance7 (root LP 1054.083, best-known 1056, 2 cores): 532,445
schedules lie within the gap to 1056 (listed in 9-13 s); 63 of 84 cover
rows must be met exactly. Employees with a short list (at most
``selection_limit``) pick one schedule of it, so the MILP's relaxation
knows their schedules exactly; the others keep the shift-choice model with
their rules, restricted to the cells some listed schedule uses. CBC solved
that to 1056 in 125 s alone on the machine (137 s in all; 149-216 s in
runs beside other work), which proves 1056 optimal. Tried and worse: every
employee as a list (532k columns: beyond CBC and CP-SAT), a limit of
10,000 (42,732 columns: no roster after 400 s), each restricted employee's
Lagrangian cut (reduced cost >= its cheapest: 782 s), and CP-SAT on the same
mixed model (no roster in 90 s). A limit of 500 (528 columns) took 149 s.
The whole gap is a proof tool for small gaps (:func:`gap_search`); the 60 s
solve searches a band of one objective step per employee with the same
machinery (:func:`search_below`, :mod:`~staffline.optimizer.decomposition.neighbourhood`).
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Sequence

import pulp
from ortools.sat.python import cp_model

from staffline.optimizer.core.cbc_backend import CbcModel, solve_cbc
from staffline.optimizer.core.shift_model import SCALE, ShiftModel
from staffline.optimizer.decomposition.column_generation import (
    CgStats,
    CoverMaster,
    CoverRow,
    Deadline,
    DpPricer,
    generate,
    make_pricer,
    seed_columns,
    split_rules,
)
from staffline.optimizer.decomposition.schedule_dp import counts

TOLERANCE = 1e-6  # of reduced costs (GLOP's duals carry rounding noise)


@dataclass
class GapSearchResult:
    # "found": the cheapest roster at or below the target (proved); "feasible": a roster at or below it, time ran out
    # before it was proved the cheapest; "none": proved there is none; "unknown": out of time without either
    status: str
    shifts: dict[tuple[int, int], int] | None  # (employee, day) -> template index of the roster found
    objective: float | None  # value units
    lp: float  # the root LP
    stats: dict = field(default_factory=dict)


def schedules_within(
    pricer: DpPricer, duals: dict[tuple[int, str], float], cheapest: float, gap: float, max_schedules: int
) -> list[tuple[int, ...]] | None:
    """Every schedule of the employee whose reduced cost lies at most ``gap`` above ``cheapest`` (None: more than ``max_schedules``).

    ``cheapest`` is a lower bound of the employee's reduced costs (request
    constant included), as pricing proves it.
    """
    budget = cheapest + gap - pricer.rules.request_constant + TOLERANCE
    found, complete = pricer.dp.within(pricer.day_costs(duals), budget, max_schedules)
    if not complete:
        return None
    limits = pricer.rules.limits  # the DP's state leaves some maximums out: they are checked here
    return [shifts for shifts, _ in found if all(worked <= limits[t] for t, worked in counts(pricer.rules, shifts).items())]


def cover_limits(covers: Sequence[CoverRow], duals: dict[tuple[int, str], float], gap: float) -> dict[tuple[int, str], tuple[bool, bool]]:
    """Cover row -> (no shortfall, no excess) for every roster within ``gap`` of the Lagrangian value.

    A unit of shortfall adds ``under_weight - pi`` above L(pi), a unit of
    excess ``over_weight + pi``; both are non-negative at the LP's duals.
    """
    limits = {}
    for c in covers:
        pi = duals[c.day, c.template_id]
        under, over = c.under_weight - pi, c.over_weight + pi
        if min(under, over) < -TOLERANCE:
            raise ValueError(f"cover dual {pi} of day {c.day} shift {c.template_id} is not an LP optimum's (slack reduced cost < 0)")
        limits[c.day, c.template_id] = (under > gap + TOLERANCE, over > gap + TOLERANCE)
    return limits


@dataclass
class RootPrices:
    """The converged root's prices: all a gap test needs (see the module's docstring)."""

    pricers: list[DpPricer]
    duals: dict[tuple[int, str], float]
    cheapest: list[float]  # each employee's cheapest reduced cost at ``duals`` (request constant included)
    cover_value: float  # the duals' share of L(pi)
    lp: float  # the root LP's value

    @property
    def lagrangian(self) -> float:
        """L(pi): every roster costs at least this."""
        return self.cover_value + sum(self.cheapest)


def _require_dp(pricers: Sequence) -> None:
    """ValueError unless every employee is priced by the schedule DP (the only pricer that can list schedules)."""
    if not all(isinstance(p, DpPricer) for p in pricers):
        raise ValueError("the gap search needs every employee's rules in the schedule DP")


def root_prices(master: CoverMaster, pricers: Sequence, lp: float, deadline: Deadline, pool: ThreadPoolExecutor) -> RootPrices:
    """Each employee priced once more at the converged master's duals: its cheapest reduced cost, which L(pi) sums."""
    _require_dp(pricers)
    duals = master.duals()
    cheapest = [bound for _, bound in pool.map(lambda p: p.price(duals, max(0.01, deadline.left())), pricers)]
    return RootPrices(list(pricers), duals, cheapest, master.cover_value(duals), lp)


def _root(b: ShiftModel, per_employee: dict[int, list], covers: list[CoverRow], deadline: Deadline, workers: int) -> RootPrices:
    """The converged root LP's prices (TimeoutError when it does not converge in time)."""
    templates = [[tpl.id for tpl in day.templates] for day in b.days]
    pricers = [make_pricer(i, e, b.days, per_employee[i]) for i, e in enumerate(b.employees)]
    _require_dp(pricers)  # before the root's column generation, not after it
    master = CoverMaster(len(b.employees), covers, templates)
    stats = CgStats()
    with ThreadPoolExecutor(max(1, workers)) as pool:
        seed_columns(master, pricers, deadline, pool)
        generate(master, pricers, deadline, pool, stats)
        if not stats.converged:
            raise TimeoutError("the root LP did not converge in time")
        return root_prices(master, pricers, master.solve(), deadline, pool)


def _milp(
    b: ShiftModel,
    rules: Sequence,
    covers: Sequence[CoverRow],
    lists: dict[int, list[tuple[int, ...]]],
    target: float,
    gap_limits: dict[tuple[int, str], tuple[bool, bool]],
    selection_limit: int,
) -> tuple[ShiftModel, int]:
    """The roster model on CBC restricted to the listed schedules and the cover ``gap_limits``, objective at most ``target``; (model, columns)."""
    milp = ShiftModel(b.employees, b.days, model=CbcModel("gap_search"))
    milp.add_rules(rules)
    m = milp.model
    columns = 0
    for i, schedules in lists.items():
        if len(schedules) <= selection_limit:  # the employee picks one listed schedule
            pick = [m.NewBoolVar() for _ in schedules]
            columns += len(pick)
            m.Add(pulp.lpSum(pick) == 1)
            for d in range(len(b.days)):
                for t, var in milp.x[i, d].items():
                    m.Add(var == pulp.lpSum(y for shifts, y in zip(schedules, pick) if shifts[d] == t))
        else:  # the shift-choice model, on the cells some listed schedule uses
            for d in range(len(b.days)):
                used = {shifts[d] for shifts in schedules}
                for t, var in milp.x[i, d].items():
                    if t not in used:
                        m.Add(var == 0)
                if -1 not in used:
                    m.Add(milp.works[i, d] == 1)
    for c in covers:
        no_shortfall, no_excess = gap_limits[c.day, c.template_id]
        staffed = pulp.lpSum(
            var
            for (_, day), options in milp.x.items()
            if day == c.day
            for t, var in options.items()
            if b.days[day].templates[t].id == c.template_id
        )
        if no_shortfall:
            m.Add(staffed >= c.required)
        if no_excess:
            m.Add(staffed <= c.required)
    objective = pulp.lpSum(milp.penalty_terms())
    m.Add(objective <= int(math.floor(target * SCALE + 1e-9)))
    m.Minimize(objective)
    return milp, columns


class TooManySchedules(ValueError):
    """An employee has more schedules within its gap than the search may list."""


def search_below(
    b: ShiftModel,
    rules: Sequence,
    covers: Sequence[CoverRow],
    root: RootPrices,
    target: float,
    deadline: Deadline,
    workers: int = 2,
    employee_gap: float = math.inf,
    selection_limit: int = 2000,
    max_schedules: int = 2_000_000,
    stop: threading.Event | None = None,
) -> GapSearchResult:
    """The cheapest roster costing at most ``target`` whose every schedule lies within ``employee_gap`` of its employee's cheapest.

    With ``employee_gap`` at least the whole gap (the default) this is the
    exact search: "none" proves no roster costs ``target`` or less, and
    ``stats["whole_gap"]`` says so. A smaller ``employee_gap`` searches a
    neighbourhood of the LP instead (see :mod:`~staffline.optimizer.decomposition.engine`):
    its "found" is the cheapest there, its "none" proves nothing. Raises
    :class:`TooManySchedules` when an employee has more than ``max_schedules``.
    Setting ``stop`` ends the search ("unknown") before or during CBC's run.
    """
    started = time.perf_counter()
    gap = target - root.lagrangian
    stats = {"lagrangian": round(root.lagrangian, 3), "whole_gap": employee_gap >= gap}
    if gap < -TOLERANCE:
        return GapSearchResult("none", None, None, root.lp, stats)
    lists = {}
    for p, low in zip(root.pricers, root.cheapest):
        found = schedules_within(p, root.duals, low, min(gap, employee_gap), max_schedules)
        if found is None:
            raise TooManySchedules(f"employee {b.employees[p.employee].id} has more than {max_schedules} schedules within the gap")
        if not found:
            return GapSearchResult("none", None, None, root.lp, stats)
        lists[p.employee] = found
    limits = cover_limits(covers, root.duals, gap)
    stats.update(
        schedules=sum(map(len, lists.values())),
        exact_rows=sum(all(v) for v in limits.values()),
        enumeration_seconds=round(time.perf_counter() - started, 2),
    )
    if stop is not None and stop.is_set():
        return GapSearchResult("unknown", None, None, root.lp, stats)
    milp, columns = _milp(b, rules, covers, lists, target, limits, selection_limit)
    solved = solve_cbc(milp.model, deadline.left(), workers, stop=stop)
    stats.update(columns=columns, milp_seconds=round(solved.seconds, 2))
    if solved.status == cp_model.INFEASIBLE:
        return GapSearchResult("none", None, None, root.lp, stats)
    if solved.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return GapSearchResult("unknown", None, None, root.lp, stats)
    shifts = {(i, d): t for (i, d), options in milp.x.items() for t, var in options.items() if solved.Value(var)}
    status = "found" if solved.status == cp_model.OPTIMAL else "feasible"
    return GapSearchResult(status, shifts, solved.ObjectiveValue() / SCALE, root.lp, stats)


def gap_search(
    b: ShiftModel,
    rules: Sequence,
    target: float,
    time_limit: float = 600.0,
    workers: int = 2,
    selection_limit: int = 2000,
    max_schedules: int = 2_000_000,
) -> GapSearchResult:
    """The cheapest roster costing at most ``target``, or a proof that none exists (see the module's docstring)."""
    started = time.perf_counter()
    deadline = Deadline(started + time_limit)
    per_employee, covers = split_rules(rules, len(b.employees))
    root = _root(b, per_employee, covers, deadline, workers)
    root_seconds = round(time.perf_counter() - started, 2)
    result = search_below(b, rules, covers, root, target, deadline, workers, selection_limit=selection_limit, max_schedules=max_schedules)
    result.stats.update(root_seconds=root_seconds, seconds=round(time.perf_counter() - started, 2))
    if "enumeration_seconds" in result.stats:  # counted from the start, as before
        result.stats["enumeration_seconds"] = round(root_seconds + result.stats["enumeration_seconds"], 2)
    return result
