"""Multi-week plans: each week alone first, then the whole horizon from their rosters.

Why: one model over four weeks is four times the week's model, and CP-SAT
alone on it is far from the optimum when the time is up (jiangdong, four
weeks, 120 s, 2 workers: roster 17,160, bound 5,256, gap 69%). A week alone
is the model the portfolio proves in seconds, and it is a *relaxation* of
its share of the horizon: the horizon's objective is the sum of its weeks'
(waits, cost and the soft rules are per slot, day or week) plus the
``[fairness]`` spreads, which are never negative, and the week alone drops
only constraints (the horizon's hour limits, days worked across its
boundaries). So the weeks' proven bounds add up to a valid bound of the
horizon, and their rosters together are a complete starting roster for the
whole model, on which CP-SAT then spends the rest of the time (fairness,
the boundaries). The better of the two bounds is the plan's.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Callable

import numpy as np
from ortools.sat.python import cp_model

from staffline.constraints.rules import Fairness, Rule
from staffline.model import Instance
from staffline.optimizer.core.branch_model import SCALE, DayGrid, RosterBuilder, WaitData
from staffline.optimizer.core.cpsat_backend import ProvenBound, configure, solve_model
from staffline.optimizer.search.portfolio import CBC_MAX_SHIFT_OPTIONS, SEARCHES, ModelFactory, symmetry_groups, warm_start
from staffline.optimizer.search.warm_start import greedy_roster

WEEKS_SHARE = 0.75  # of the time limit for the weeks alone: the bound, and a roster per week
COMPLETION_SHARE = 0.25  # of what is left, at most, for completing the joined rosters (roles), fewer seconds when it is done
SWAP_SHARE = 0.05  # of the time limit for handing each week's schedules round; the rest polishes the whole horizon

log = logging.getLogger(__name__)  # where the time goes (benchmarks/horizon.py --verbose shows it)

WeekRules = Callable[[Instance, list[DayGrid], WaitData, bool], list[Rule]]
"""Builds one week's rules: (instance, the week's days, its wait data, whether it is the plan's first week)."""


def week_waits(waits: WaitData, first: int) -> WaitData:
    """The wait curves and appointments of the 7 days from day index ``first``, re-indexed from 0."""

    def part(per_role: dict[str, dict[int, np.ndarray]]) -> dict[str, dict[int, np.ndarray]]:
        return {role: {d - first: v for d, v in per_day.items() if first <= d < first + 7} for role, per_day in per_role.items()}

    return WaitData(curves=part(waits.curves), busy=part(waits.busy))


def without_horizon_limits(instance: Instance) -> Instance:
    """The instance with no contract's horizon hour limits: a week alone cannot hold them (nor must it, to be a relaxation)."""
    staff = tuple(
        dataclasses.replace(e, contract=dataclasses.replace(e.contract, min_hours_horizon=None, max_hours_horizon=None))
        for e in instance.staff
    )
    return dataclasses.replace(instance, staff=staff)


def search_horizon(
    built: ModelFactory,
    instance: Instance,
    rules_of_week: WeekRules,
    backend: str,
    time_limit: float,
    workers: int,
    seed: int,
    progress: Callable[[float, float, float], None] | None,
) -> tuple | None:
    """Weeks alone, then their schedules handed round, then the horizon: ``(model, solver, bound, status, seconds)``, or None.

    None when a week alone proves no roster exists (then neither does the
    horizon): the caller searches the whole model instead, which also
    diagnoses it. A week that finds no roster in its time gives the bound
    its search proved, and a neighbouring week's roster stands in
    (:func:`stand_in`).
    """
    started = time.perf_counter()
    days = built.days
    weeks = len(days) // 7
    alone = without_horizon_limits(instance)
    chosen: dict[tuple[int, int], int] = {}
    bound = 0.0
    missing: dict[int, RosterBuilder] = {}  # weeks that found no roster in their time
    for w in range(weeks):
        first = 7 * w
        wdays, wwaits = days[first : first + 7], week_waits(built.waits, first)
        rules = [r for r in rules_of_week(alone, wdays, wwaits, w == 0) if not isinstance(r, Fairness)]
        budget = max(1.0, WEEKS_SHARE * time_limit / weeks)  # fixed shares: a one-worker plan repeats on a busy machine
        factory = ModelFactory(alone, wdays, wwaits, rules)
        wb, solver, bound_solver, status, _ = SEARCHES[week_search(backend, factory, workers)](factory, alone, budget, workers, seed, None)
        if status == cp_model.INFEASIBLE:
            return None
        bound += bound_solver.BestObjectiveBound()  # proven even when the search found no roster (perhaps weak)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if found:
            week = {(i, d): t for (i, d), options in wb.x.items() for t, var in options.items() if solver.Value(var)}
            chosen.update({(i, first + d): t for (i, d), t in week.items()})
        else:
            missing[w] = wb
        value = solver.ObjectiveValue() / SCALE if found else None
        log.info(
            "week %d alone: roster %s, bound %.1f, at %.1f s", w + 1, value, bound_solver.BestObjectiveBound() / SCALE, elapsed(started)
        )
    for w, wb in missing.items():
        chosen.update(stand_in(wb, days, chosen, w, sorted(set(range(weeks)) - set(missing), key=lambda k: abs(k - w))))
    b = built()
    deterministic = workers == 1
    rest = (1 - WEEKS_SHARE) * time_limit
    left = lambda: rest if deterministic else time_limit - elapsed(started)  # noqa: E731
    # completing the joined rosters is what makes them CP-SAT's first solution
    completion = max(2.0, COMPLETION_SHARE * left())
    spent, warm_solver = warm_start(b, symmetry_groups(b, instance), left(), seed, deterministic, chosen=chosen, budget=completion)
    log.info("weeks joined: %s at %.1f s", warm_solver and warm_solver.ObjectiveValue() / SCALE, elapsed(started))
    swap_limit = max(1.0, SWAP_SHARE * time_limit)
    swapped = None
    if warm_solver is not None:  # hand round the joined roster as completed (symmetry breaking may have reordered it)
        joined = {(i, d): t for (i, d), options in b.x.items() for t, x in options.items() if warm_solver.Value(x)}
        swapped = hand_round(b, joined, swap_limit, workers, seed)
    if swapped is not None:
        warm_solver = swapped
        hint_from(b, swapped)
    log.info("schedules handed round: %s at %.1f s", swapped and swapped.ObjectiveValue() / SCALE, elapsed(started))
    polish = left() - (completion + swap_limit if deterministic else 0.0)
    solver, status = solve_model(b, max(1.0, polish), workers, seed, progress)
    best = ProvenBound(max(bound, solver.BestObjectiveBound()))
    found = solver.ObjectiveValue() / SCALE if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    log.info("horizon polished: %s, bound %.1f (weeks %.1f), at %.1f s", found, best.value / SCALE, bound / SCALE, elapsed(started))
    if warm_solver is not None and (found is None or warm_solver.ObjectiveValue() < solver.ObjectiveValue()):
        solver, status = warm_solver, cp_model.FEASIBLE  # the weeks' rosters joined (and handed round): better than none
    return b, solver, best, status, elapsed(started)


def stand_in(wb: RosterBuilder, days: list[DayGrid], chosen: dict[tuple[int, int], int], w: int, donors: list[int]) -> dict:
    """Shifts for week ``w``, which found no roster in its time: the nearest week's that did, else greedy shifts.

    Why: on a busy machine a week's search can end empty (jiangdong, four
    weeks, load 5.8: CBC had no roster of week 3 after 21 s). A neighbouring
    week's optimised roster fits its demand far better than greedy shifts
    (on jiangdong they cost 5,634 against the weeks' 3,100-3,700), and where
    a shift of it is not allowed (another template set, an unavailable day)
    the person is off; the polish completes or repairs it with every rule.
    """
    first = 7 * w
    for k in donors:
        moved = {}
        for (i, d), t in chosen.items():
            if 7 * k <= d < 7 * k + 7:
                same = [u for u, tpl in enumerate(wb.days[d - 7 * k].templates) if tpl.id == days[d].templates[t].id]
                if same and same[0] in wb.allowed(i, d - 7 * k):
                    moved[i, first + d - 7 * k] = same[0]
        return moved
    return {(i, first + d): t for (i, d), t in greedy_roster(wb).items()}


def week_search(backend: str, factory: ModelFactory, workers: int) -> str:
    """The search of a week alone: CBC for the whole share where the portfolio would give it half, else ``backend``.

    Why: the week's bound is what the plan's bound is made of, and CBC's cuts
    prove it where CP-SAT's do not; the portfolio's second half (CP-SAT from
    CBC's roster) is what the polish of the whole horizon does anyway.
    Measured on one jiangdong week, 18 s, 2 workers, load 5.4: CBC alone
    3,174 / bound 3,057; CP-SAT alone 3,820 / 2,771; the portfolio (9 s
    each) inside the four-week plan found no roster and no bound.
    One-worker plans stay on CP-SAT (repeatable), large weeks too (as in
    :func:`~staffline.optimizer.search.portfolio.search_portfolio`).
    """
    if backend == "portfolio" and workers > 1 and factory.shift_options <= CBC_MAX_SHIFT_OPTIONS:
        return "cbc"
    return backend


def hand_round(b: RosterBuilder, chosen: dict[tuple[int, int], int], time_limit: float, workers: int, seed: int):
    """The whole model with each week's schedules only handed round among the staff: a solver holding the best, or None.

    Why: the weeks alone know nothing of each other, so the same people get
    every Saturday off (jiangdong, four weeks: Saturday spread 4, the
    ``[fairness]`` rule paying 400). Who works which of a week's personal
    schedules (employee i takes what j had, Monday to Sunday) is a small
    assignment problem, but in the whole model every rule still holds and is
    priced exactly: certificates and role counts, contract limits,
    availability and requests, the boundaries between weeks, the horizon
    limits and the fairness spreads. ``b`` carries the joined roster as a
    complete hint (the identity is hinted too), so the answer is never worse.
    """
    model = b.model.clone()
    var = model.get_int_var_from_proto_index
    staff = range(len(b.employees))
    for w in range(len(b.days) // 7):
        week = range(7 * w, 7 * w + 7)
        takes = {(i, j): model.NewBoolVar(f"takes_{w}_{i}_{j}") for i in staff for j in staff}
        for i in staff:
            model.AddExactlyOne(takes[i, j] for j in staff)
            model.AddExactlyOne(takes[j, i] for j in staff)
            for j in staff:
                model.AddHint(takes[i, j], int(i == j))
                if any((j, d) in chosen and chosen[j, d] not in b.x[i, d] for d in week):
                    model.Add(takes[i, j] == 0)  # a shift i may not work (earliest start, latest end)
            for d in week:
                for t, x in b.x[i, d].items():
                    model.Add(var(x.Index()) == sum(takes[i, j] for j in staff if chosen.get((j, d)) == t))
    solver = cp_model.CpSolver()
    configure(solver, time_limit, workers, seed)
    status = solver.Solve(model)
    return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def hint_from(b: RosterBuilder, solver: cp_model.CpSolver) -> None:
    """Replace ``b``'s hint by the roster ``solver`` holds (a model whose first variables are ``b``'s)."""
    b.model.ClearHints()
    for index in range(len(b.model.Proto().variables)):
        x = b.model.get_int_var_from_proto_index(index)
        b.model.AddHint(x, solver.Value(x))


def elapsed(since: float) -> float:
    return time.perf_counter() - since
