"""Curtois-Qu instances solved by the shared shift core and rule library.

A benchmark day is a :class:`~staffline.optimizer.core.branch_model.DayGrid` with no
slots whose templates are the shift types; each benchmark rule maps to a rule
object (``staffline.constraints``), so the same CP-SAT core that builds branch
rosters builds these - nothing here touches the model directly. The objective
is exactly the benchmark's: request penalties plus weighted under/over cover
(all weights are integers, so the scaled CP-SAT objective is exact).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Callable

from ortools.sat.python import cp_model

from staffline.constraints.rules import Availability, ConsecutiveDays, ContractHours
from staffline.constraints.shift_type_rules import (
    ForbiddenSuccession,
    MaxWorkedWeekends,
    MinimumRun,
    ShiftCover,
    ShiftTypeLimit,
    ShiftTypeRequest,
)
from staffline.curtois.format import CurtoisInstance
from staffline.model import Employee
from staffline.optimizer.core.branch_model import DayGrid
from staffline.optimizer.core.cpsat_backend import STATUS, solve_model
from staffline.optimizer.core.shift_model import SCALE, ShiftModel
from staffline.optimizer.decomposition.engine import decomposable, solve_decomposed

FIRST_MONDAY = dt.date(2024, 1, 1)  # the benchmark's day 0 is a Monday; any Monday will do


@dataclass(frozen=True)
class ShiftType:
    """A benchmark shift type as a shift template: every employee may work it."""

    id: str
    paid_minutes: int

    def fits(self, employee: Employee) -> bool:
        return True


@dataclass
class CurtoisResult:
    status: str
    assignment: dict[tuple[str, int], str] = field(default_factory=dict)  # (employee, day) -> shift id
    objective: int | None = None
    bound: int | None = None
    seconds: float = 0.0
    details: dict = field(default_factory=dict)  # how the search went (phases, columns, seconds)


def _rules(inst: CurtoisInstance) -> list:
    """The benchmark's rules as rule objects (hard unless they carry a weight)."""
    forbidden = tuple((a, b) for a, shift in inst.shifts.items() for b in sorted(shift.forbidden_next))
    rules: list = []
    for i, e in enumerate(inst.staff):
        rules += [ShiftTypeLimit(f"max {s} shifts of {e.id}", employee=i, shift=s, maximum=k) for s, k in e.max_shifts.items()]
        if forbidden:
            rules.append(ForbiddenSuccession(f"shift successions of {e.id}", employee=i, pairs=forbidden))
        rules += [
            ContractHours(f"total minutes of {e.id}", employee=i, min_minutes=e.min_minutes, max_minutes=e.max_minutes),
            ConsecutiveDays(f"max consecutive shifts of {e.id}", employee=i, maximum=e.max_consecutive),
            MinimumRun(f"min consecutive shifts of {e.id}", employee=i, minimum=e.min_consecutive, working=True),
            MinimumRun(f"min consecutive days off of {e.id}", employee=i, minimum=e.min_days_off, working=False),
            MaxWorkedWeekends(f"max weekends of {e.id}", employee=i, maximum=e.max_weekends),
            Availability(f"days off of {e.id}", employee=i),
        ]
    index = {e.id: i for i, e in enumerate(inst.staff)}
    for on, requests in ((True, inst.shift_on_requests), (False, inst.shift_off_requests)):
        kind = "shift-on requests" if on else "shift-off requests"
        rules += [
            ShiftTypeRequest(kind, hard=False, weight=r.weight, employee=index[r.employee], day=r.day, shift=r.shift, on=on)
            for r in requests
        ]
    rules += [
        ShiftCover(
            "cover", hard=False, day=c.day, shift=c.shift, required=c.required, under_weight=c.under_weight, over_weight=c.over_weight
        )
        for c in inst.cover
    ]
    return rules


def build_curtois_model(inst: CurtoisInstance, rules: list | None = None) -> ShiftModel:
    days = [FIRST_MONDAY + dt.timedelta(days=d) for d in range(inst.horizon)]
    templates = [ShiftType(s, shift.minutes) for s, shift in inst.shifts.items()]
    grid = [DayGrid(day, [], templates) for day in days]
    employees = [Employee(e.id, e.id, (), unavailable=tuple(days[d] for d in sorted(e.days_off))) for e in inst.staff]
    b = ShiftModel(employees, grid)
    b.add_rules(_rules(inst) if rules is None else rules)
    b.model.Minimize(sum(b.penalty_terms()))
    return b


def shift_ids(b: ShiftModel, shifts: dict[tuple[int, int], int]) -> dict[tuple[str, int], str]:
    """(employee id, day) -> shift id, from (employee index, day) -> template index (the checker's form of a roster)."""
    return {(b.employees[i].id, d): b.days[d].templates[t].id for (i, d), t in shifts.items()}


def _assignment(b: ShiftModel, value) -> dict[tuple[str, int], str]:
    """(employee, day) -> shift id of a solution, ``value(var)`` reading it."""
    return shift_ids(b, {(i, d): t for (i, d), options in b.x.items() for t, var in options.items() if value(var)})


METHODS = ("columns", "compact")


def solve_curtois(
    inst: CurtoisInstance,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    progress: Callable[[float, float, float], None] | None = None,
    method: str = "columns",
) -> CurtoisResult:
    """Best assignment found within ``time_limit`` seconds (model building included), its exact benchmark objective and a proven bound.

    ``columns`` (default): column generation for the bound, a dive and CP-SAT
    hinted with its roster (:mod:`staffline.optimizer.decomposition.engine`), on the same
    rule objects and the same full model. ``compact``: CP-SAT on the full
    model alone (what the benchmark table showed before).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (known: {', '.join(METHODS)})")
    started = time.perf_counter()
    rules = _rules(inst)
    b = build_curtois_model(inst, rules)
    # the limit is the whole call's: building the model took 6 s of Instance13's 60 (the run took 66 s)
    left = max(1.0, time_limit - (time.perf_counter() - started))
    if method == "columns" and decomposable(rules):
        result = solve_decomposed(b, rules, left, workers, seed, progress)
        seconds = time.perf_counter() - started
        bound = int(-(-(result.bound - 1e-6) // 1)) if result.bound > -float("inf") else None
        if result.solution is None:
            return CurtoisResult("time_limit", bound=bound, seconds=seconds, details=result.stats)
        objective = round(result.objective / SCALE)
        status = "optimal" if bound is not None and objective <= bound else "feasible"
        values = result.solution
        return CurtoisResult(status, _assignment(b, lambda var: values[var.Index()]), objective, bound, seconds, result.stats)
    solver, status = solve_model(b, left, workers, seed, progress)
    seconds = time.perf_counter() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CurtoisResult(STATUS.get(status, "unknown"), seconds=seconds)
    bound = solver.BestObjectiveBound() / SCALE
    return CurtoisResult(STATUS[status], _assignment(b, solver.Value), round(solver.ObjectiveValue() / SCALE), int(-(-bound // 1)), seconds)
