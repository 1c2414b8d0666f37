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
import time
from typing import Callable

import numpy as np
from ortools.sat.python import cp_model

from staffline.constraints.rules import Fairness, Rule
from staffline.model import Instance
from staffline.optimizer.core.branch_model import DayGrid, WaitData
from staffline.optimizer.core.cpsat_backend import ProvenBound, solve_model
from staffline.optimizer.search.portfolio import SEARCHES, ModelFactory, symmetry_groups, warm_start
from staffline.optimizer.search.warm_start import greedy_roster

WEEKS_SHARE = 0.7  # of the time limit for the weeks alone; the rest polishes the horizon
TURNS_SHARE = 0.25  # of a week's time for re-solving it with the fairness counts of the weeks before

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
    """Weeks alone, then the horizon: ``(model, solver, bound, status, seconds)`` as the other searches, or None.

    None when a week alone proves no roster exists (then neither does the
    horizon): the caller searches the whole model instead, which also
    diagnoses it. A week that finds no roster in its time gives its greedy
    shifts (:func:`greedy_roster`) and the bound its search proved.
    """
    started = time.perf_counter()
    days = built.days
    weeks = len(days) // 7
    alone = without_horizon_limits(instance)
    chosen: dict[tuple[int, int], int] = {}
    bound = 0.0
    fair = [r for r in built.rules if isinstance(r, Fairness)]
    for w in range(weeks):
        first = 7 * w
        wdays, wwaits = days[first : first + 7], week_waits(built.waits, first)
        rules = [r for r in rules_of_week(alone, wdays, wwaits, w == 0) if not isinstance(r, Fairness)]
        budget = max(1.0, WEEKS_SHARE * time_limit / weeks)  # fixed shares: a one-worker plan repeats on a busy machine
        relaxed = budget * (1 - TURNS_SHARE) if fair else budget
        factory = ModelFactory(alone, wdays, wwaits, rules)
        wb, solver, bound_solver, status, _ = SEARCHES[backend](factory, alone, relaxed, workers, seed, None)
        if status == cp_model.INFEASIBLE:
            return None
        bound += bound_solver.BestObjectiveBound()  # proven even when the search found no roster (perhaps weak)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            week = {(i, d): t for (i, d), options in wb.x.items() for t, var in options.items() if solver.Value(var)}
        else:  # no roster in its time (a busy machine): the week's greedy shifts instead
            week = greedy_roster(wb)
        if fair:
            turns = [dataclasses.replace(f, offsets=offsets_so_far(f, days, chosen, w)) for f in fair]
            week = take_turns(ModelFactory(alone, wdays, wwaits, rules + turns), alone, week, budget - relaxed, workers, seed)
        chosen.update({(i, first + d): t for (i, d), t in week.items()})
    b = built()
    deterministic = workers == 1
    polish = (1 - WEEKS_SHARE) * time_limit
    left = lambda: polish if deterministic else time_limit - (time.perf_counter() - started)  # noqa: E731
    # completing the joined rosters is what makes them CP-SAT's first solution: up to half of what is left
    completion = max(2.0, 0.5 * left())
    _, warm_solver = warm_start(b, symmetry_groups(b, instance), left(), seed, deterministic, chosen=chosen, budget=completion)
    solver, status = solve_model(b, max(1.0, left() - (completion if deterministic else 0.0)), workers, seed, progress)
    best = ProvenBound(max(bound, solver.BestObjectiveBound()))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and warm_solver is not None:
        solver, status = warm_solver, cp_model.FEASIBLE  # the weeks' rosters joined: better than none
    return b, solver, best, status, time.perf_counter() - started


def offsets_so_far(rule: Fairness, days: list[DayGrid], chosen: dict[tuple[int, int], int], week: int) -> dict[int, int]:
    """A fairness rule's offsets for week ``week`` alone: its own (the week before the plan) plus the weeks already chosen.

    Hours count above the contract minimum of the weeks so far and this one
    (the rule's own offset is minus the whole plan's minimum).
    """
    weeks = len(days) // 7
    out = {}
    for i in rule.employees if rule.employees is not None else sorted({i for i, _ in chosen}):
        mine = [(d, t) for (j, d), t in chosen.items() if j == i and d < 7 * week]
        if rule.aspect == "hours":
            count = sum(days[d].templates[t].paid_minutes for d, t in mine) + rule.offsets.get(i, 0) * (week + 1) // weeks
        elif rule.aspect in ("weekend", "saturday"):
            weekdays = (5, 6) if rule.aspect == "weekend" else (5,)
            count = rule.offsets.get(i, 0) + sum(days[d].date.weekday() in weekdays for d, _ in mine)
        else:
            count = rule.offsets.get(i, 0) + sum(days[d].templates[t].end == max(x.end for x in days[d].templates) for d, t in mine)
        out[i] = count
    return out


def take_turns(factory: ModelFactory, instance: Instance, week: dict, time_limit: float, workers: int, seed: int) -> dict:
    """The week re-solved from its roster with the fairness counts of the weeks before it (``week`` when nothing better is found).

    Only the plan's roster gains: the weeks' bounds come from the week alone
    without fairness, which a relaxation needs.
    """
    b = factory()
    _, warm = warm_start(b, symmetry_groups(b, instance), time_limit, seed, workers == 1, chosen=week, budget=0.5 * time_limit)
    solver, status = solve_model(b, max(1.0, 0.5 * time_limit), workers, seed)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if warm is None:
            return week
        solver = warm
    return {(i, d): t for (i, d), options in b.x.items() for t, var in options.items() if solver.Value(var)}
