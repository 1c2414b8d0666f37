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
whole model. The LP relaxation of the whole model, solved beside the weeks
(:mod:`~staffline.optimizer.search.horizon_bound`), bounds it better: it
sees part of what the fairness rules cost. What the weeks alone cannot see is fairness between them:
handing each week's schedules round among the staff (:func:`hand_round`, a
small assignment model) fixes that, and the whole model checks and prices
the result before it is kept. When the
joined rosters break a rule of the whole model (a boundary, a horizon
limit), CP-SAT searches the whole model from them instead.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Callable

import numpy as np
import pulp
from ortools.sat.python import cp_model

from staffline.constraints.rules import ContractHours, DayHeadcount, Fairness, Rule, StaffRequest, WorkingDays
from staffline.model import Instance
from staffline.optimizer.core.branch_model import SCALE, DayGrid, RosterBuilder, WaitData
from staffline.optimizer.core.cpsat_backend import ProvenBound, configure, solve_model
from staffline.optimizer.search.horizon_bound import HorizonLp
from staffline.optimizer.search.portfolio import CBC_MAX_SHIFT_OPTIONS, SEARCHES, ModelFactory, symmetry_groups, warm_start
from staffline.optimizer.search.warm_start import greedy_roster

WEEKS_SHARE = 0.7  # of the time limit for the weeks alone: the bound, and a roster per week
COMPLETION_SHARE = 0.35  # of what is left, at most, for completing the joined rosters (roles); the rest hands them round
PLAN_SHARE = 0.2  # of the limit, at most, that the weeks wait for the LPs that plan their Saturday staffing
LP_END_MARGIN = 3.0  # seconds before the search's end by which the horizon's LP beside the weeks has ended, solved or not
HAND_ROUND_SHARE = 0.6  # of what is then left for handing the weeks' schedules round; the rest completes that roster

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


def week_of(instance: Instance, w: int) -> Instance:
    """The instance as week ``w`` alone sees it: a contract's relief of that week (absences) as its first week's."""
    staff = tuple(
        dataclasses.replace(e, contract=dataclasses.replace(e.contract, week_relief=e.contract.week_relief[w : w + 1]))
        if e.contract.week_relief
        else e
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
    (:func:`stand_in`). Weeks on CBC run side by side, one per worker
    (:func:`week_cores`), with the horizon's LP beside them. With two or
    more workers, a week not begun when the weeks' share of the time is up is skipped (its bound 0, a neighbour's
    roster): under load CBC's root cuts overran every week's share, and
    with forecast at 11 s the fourth week began about 2 s after the share ended,
    left the joined rosters 6 s and the plan ended without a roster (jiangdong,
    four weeks, 120 s, load 5). A roster with a weaker bound beats none.
    """
    started = time.perf_counter()
    days = built.days
    weeks = len(days) // 7
    alone = without_horizon_limits(instance)
    side_by_side, lp_beside = week_cores(backend, workers, weeks, ModelFactory(instance, days[:7], week_waits(built.waits, 0), []))
    relaxed: dict[str, float] = {}
    lp = HorizonLp(built, time_limit - LP_END_MARGIN) if lp_beside else None  # until the search's end at the latest
    plan = count_plan(lp, PLAN_SHARE * time_limit) if lp is not None else None
    planning = elapsed(started)
    if lp is not None:  # the rest of the bound beside the weeks (7 s an LP on jiangdong's four weeks, idle)
        beside = threading.Thread(target=lambda: relaxed.update(lp=lp.bound()), daemon=True)
        beside.start()

    def search_week(w: int) -> WeekAlone:
        first = 7 * w
        wdays, wwaits = days[first : first + 7], week_waits(built.waits, first)
        this = week_of(alone, w)
        rules = [r for r in rules_of_week(this, wdays, wwaits, w == 0) if not isinstance(r, Fairness)]
        rules += planned_headcounts(plan, lp, first)
        budget = week_budget(time_limit, weeks, w, elapsed(started), workers == 1, side_by_side, planning)
        factory = ModelFactory(this, wdays, wwaits, rules)
        if workers > 1 and elapsed(started) >= WEEKS_SHARE * time_limit:  # out of the weeks' time: a roster comes first
            log.info("week %d alone: skipped (the weeks' share is up at %.1f s), bound 0", w + 1, elapsed(started))
            return WeekAlone(factory(), None, 0.0)
        threads = workers if side_by_side == 1 else 1  # weeks on CBC: a process (one core) each
        wb, solver, bound_solver, status, _ = SEARCHES[week_search(backend, factory, workers)](factory, this, budget, threads, seed, None)
        if status == cp_model.INFEASIBLE:
            return WeekAlone(wb, None, 0.0, infeasible=True)
        # proven even when the search found no roster (CBC's root bound, perhaps weak); never below 0, which every
        # objective term is at least (a bound CBC logged before its first LP can be -1e50). A week that follows the
        # LP's plan is no longer a relaxation of its share: its bound does not count
        week_bound = max(0.0, bound_solver.BestObjectiveBound()) if plan is None else 0.0
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        shifts = None
        if found:
            week = {(i, d): t for (i, d), options in wb.x.items() for t, var in options.items() if solver.Value(var)}
            shifts = {(i, first + d): t for (i, d), t in week.items()}
        value = solver.ObjectiveValue() / SCALE if found else None
        log.info("week %d alone: roster %s, bound %.1f, at %.1f s", w + 1, value, week_bound / SCALE, elapsed(started))
        return WeekAlone(wb, shifts, week_bound)

    with ThreadPoolExecutor(max_workers=side_by_side) as pool:  # in week order: a week starts when a core is free
        results = list(pool.map(search_week, range(weeks)))
    if any(r.infeasible for r in results):
        return None  # (an LP still running ends at its limit)
    chosen: dict[tuple[int, int], int] = {}
    for r in results:
        chosen.update(r.shifts or {})
    weeks_bound = sum(r.bound for r in results)

    def proven() -> float:
        """The best bound so far: the weeks', or the whole horizon's LP once it is solved."""
        return max(weeks_bound, relaxed.get("lp", 0.0))

    def with_lp() -> float:
        """The bound once the LP beside has ended (by the search's end at the latest)."""
        if lp is not None:
            beside.join()
        return proven()

    missing = {w: r.builder for w, r in enumerate(results) if r.shifts is None}  # weeks that found no roster in their time
    for w, wb in missing.items():
        chosen.update(stand_in(wb, days, chosen, w, sorted(set(range(weeks)) - set(missing), key=lambda k: abs(k - w))))
    b = built()
    deterministic = workers == 1
    rest = (1 - WEEKS_SHARE) * time_limit
    left = lambda: rest if deterministic else time_limit - elapsed(started)  # noqa: E731
    # completing the joined rosters is what makes them a roster of the whole model (and CP-SAT's first solution)
    completion = max(2.0, COMPLETION_SHARE * left())
    _, joined = warm_start(b, symmetry_groups(b, instance), left(), seed, deterministic, chosen=chosen, budget=completion)
    if joined is None and not deterministic and left() > 1.0:
        # out of time rather than broken (under load 7 the four weeks' completion needed more than its 6 s, and the
        # whole model found nothing in the 5 s after it: no roster at all): its first roster, with the time left
        log.info("weeks joined: not in %.1f s, again to the first roster at %.1f s", completion, elapsed(started))
        b.model.ClearHints()  # the failed completion hinted its shifts; twice is an invalid model
        _, joined = warm_start(b, symmetry_groups(b, instance), left(), seed, False, chosen=chosen, budget=left(), stop_at_first=True)
    log.info("weeks joined: %s at %.1f s", joined and joined.ObjectiveValue() / SCALE, elapsed(started))
    then = max(1.0, left() - (completion if deterministic else 0.0))
    if joined is not None:
        start = {(i, d): t for (i, d), options in b.x.items() for t, x in options.items() if joined.Value(x)}
        solver = joined
        if progress is not None:  # the horizon's first roster (the web worker's chart, the CLI's progress line)
            progress(elapsed(started), joined.ObjectiveValue() / SCALE, proven() / SCALE)
        handing = hand_round_budget(then, completion)
        handed = hand_round(b, joined, start, handing, workers, seed)
        if handed is not None and handed != start:
            budget = max(1.0, then - handing) if deterministic else max(1.0, time_limit - elapsed(started))
            b.model.ClearHints()  # warm_start hints the handed roster instead
            _, verified = warm_start(b, symmetry_groups(b, instance), budget, seed, deterministic, chosen=handed, budget=budget)
            if verified is not None and verified.ObjectiveValue() < joined.ObjectiveValue():
                solver = verified
                if progress is not None:
                    progress(elapsed(started), verified.ObjectiveValue() / SCALE, proven() / SCALE)
        log.info("schedules handed round: %.1f at %.1f s", solver.ObjectiveValue() / SCALE, elapsed(started))
        return b, solver, ProvenBound(with_lp()), cp_model.FEASIBLE, elapsed(started)
    # the joined rosters break a rule of the whole model (or completing them took too long): CP-SAT on it from them
    solver, status = solve_model(b, then, workers, seed, progress)
    log.info("whole model: status %s, at %.1f s", solver.StatusName(status), elapsed(started))
    return b, solver, ProvenBound(max(with_lp(), solver.BestObjectiveBound())), status, elapsed(started)


def hand_round_budget(then: float, completion: float) -> float:
    """Seconds for :func:`hand_round` out of ``then``: its share, but never eating into what checking its answer needs.

    Why: the handed roster is kept only once the whole model has completed
    it, which takes about as long as completing the joined rosters did
    (``completion``). Under load 5 the hand round's 60% left 3 s for that
    where the joined rosters had taken 8 s: the completion failed and a
    roster with Saturday spread 4 was kept (jiangdong, four weeks, 120 s).
    """
    return max(1.0, min(HAND_ROUND_SHARE * then, then - completion))


@dataclasses.dataclass
class WeekAlone:
    """What a week alone gave: its model, its shifts in the horizon's day numbers (None: no roster in its time) and its proven bound."""

    builder: RosterBuilder
    shifts: dict[tuple[int, int], int] | None
    bound: float
    infeasible: bool = False


def count_plan(lp: HorizonLp, wait: float) -> dict[int, int] | None:
    """The Saturday staffing the weeks alone should follow (day index -> staff), from the plain horizon LP solved now.

    The plain LP and the "spread >= 1" branch (which the bound needs anyway)
    are solved side by side; everybody then counts the plain LP's mean
    rounded (:meth:`HorizonLp.equal_count_plan`). Measured on jiangdong's
    four weeks (120 s, idle): Saturday staff 8, 8, 8, 9 instead of the
    weeks' own 7 each let the hand round give everybody 3 Saturdays; the
    roster came out at 12,950 instead of 13,047-13,057 (roster gap 1.3%
    instead of 2.0-2.1%). The weeks follow it softly, each Saturday shift
    off the plan weighted as the Saturday rule. None when the LP is not
    solved within ``wait`` seconds (it goes on solving for the bound): the
    weeks then plan alone as before. Waiting for the "every count == k"
    branches too took 20 s and left the weeks too little.
    """
    if lp.rule is None:  # no count spread to plan for
        return None
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        if not futures_done([pool.submit(lp.solve, None), pool.submit(lp.solve, "apart")], wait):
            return None
    except (OSError, pulp.PulpSolverError) as error:  # no CBC binary, or CLP failed: the weeks plan alone
        log.warning("Saturday plan skipped: %s", error)
        return None
    finally:
        pool.shutdown(wait=False)
    plan = lp.equal_count_plan()
    log.info("Saturday plan from the horizon's LP: %s at %.1f s", plan, elapsed(started))
    return plan


def futures_done(futures: list, timeout: float) -> bool:
    """Whether all ``futures`` ended within ``timeout`` seconds (their exceptions raised here)."""
    done, _ = wait_futures(futures, timeout=max(0.0, timeout))
    for future in done:
        future.result()
    return len(done) == len(futures)


def planned_headcounts(plan: dict[int, int] | None, lp: HorizonLp | None, first: int) -> list[Rule]:
    """The week from day ``first``: a soft :class:`DayHeadcount` per planned day in it, weighted as the rule the plan evens out."""
    if plan is None or lp is None:
        return []
    return [
        DayHeadcount(
            name="Saturday staff as the horizon's LP plans",
            hard=False,
            weight=lp.rule.weight,
            day=d - first,
            count=n,
            employees=lp.rule.employees,
        )
        for d, n in plan.items()
        if first <= d < first + 7
    ]


def week_cores(backend: str, workers: int, weeks: int, factory: ModelFactory) -> tuple[int, bool]:
    """How the weeks alone share the workers: (weeks searched at once, whether the horizon's LP runs beside them).

    Why: a week on CBC is one process on one core (PuLP's CBC with two
    threads gave the same rosters as with one: jiangdong weeks, 15 s each,
    3,552 / 3,069 / 3,105 / 3,062 both ways), so with two workers the second
    core sat idle for the weeks' whole share. Now each worker takes a week,
    and the whole horizon's LP relaxation (:class:`HorizonLp`, 7 s
    on jiangdong's four weeks) runs beside them at the start. CP-SAT weeks
    (one worker, or weeks too big for CBC) use every worker themselves: one
    at a time, no LP. ``factory`` is any week's model (they are the same size).
    """
    if workers > 1 and week_search(backend, factory, workers) == "cbc":
        return max(1, min(workers, weeks)), True
    return 1, False


def week_budget(
    time_limit: float, weeks: int, w: int, spent: float, deterministic: bool, side_by_side: int = 1, begun: float = 0.0
) -> float:
    """Seconds for week ``w`` alone: an equal share of :data:`WEEKS_SHARE` of the limit, plus what earlier weeks left.

    ``side_by_side`` weeks run at once (:func:`week_cores`), so the
    share is per *wave* of that many weeks: four weeks two at a time get
    half the share each, not a quarter. ``begun``: the seconds of the
    share gone before the weeks began (planning Saturdays from the LP).

    Why: a week that proves its optimum early (jiangdong idle: 10-35 s on
    CBC) leaves seconds a later, harder week needs (weeks 2-3 of the
    four-week plan had no roster from CBC in 14 s under load 3.5). Never
    less than the equal share: under load CBC's root cuts run past each
    week's limit, and passing the overrun on left the last week 10 s, too
    little for even its bound (a week's bound was then 0). One-worker plans
    keep fixed shares (``deterministic``): their time is deterministic, not
    measured, so that the plan repeats on a busy machine.
    """
    share = max(1.0, (WEEKS_SHARE * time_limit - begun) / math.ceil(weeks / side_by_side))
    if deterministic:
        return share
    return max(share, (WEEKS_SHARE * time_limit - spent) / math.ceil((weeks - w) / side_by_side))


def stand_in(wb: RosterBuilder, days: list[DayGrid], chosen: dict[tuple[int, int], int], w: int, donors: list[int]) -> dict:
    """Shifts for week ``w``, which found no roster in its time: the nearest week's that did, else greedy shifts.

    Why: on a busy machine a week's search can end empty (jiangdong, four
    weeks, load 5.8: CBC had no roster of week 3 after 21 s). A neighbouring
    week's optimised roster fits its demand far better than greedy shifts
    (on jiangdong they cost 5,634 against the weeks' 3,100-3,700), and where
    a shift of it is not allowed (another template set, an unavailable day)
    the person is off. The whole model then checks it (and, if it breaks a
    rule there, CP-SAT searches the whole model from it).
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
    prove it where CP-SAT's do not; a week's share of a four-week run is
    too short to split.
    Measured on one jiangdong week, 18 s, 2 workers, load 5.4: CBC alone
    3,174 / bound 3,057; CP-SAT alone 3,820 / 2,771; the portfolio (9 s
    each) inside the four-week plan found no roster and no bound.
    One-worker plans stay on CP-SAT (repeatable), large weeks too (as in
    :func:`~staffline.optimizer.search.portfolio.search_portfolio`).
    """
    if backend == "portfolio" and workers > 1 and factory.shift_options <= CBC_MAX_SHIFT_OPTIONS:
        return "cbc"
    return backend


def hand_round(b: RosterBuilder, joined, chosen: dict[tuple[int, int], int], time_limit: float, workers: int, seed: int) -> dict | None:
    """Each week's schedules handed round among the staff to even out the ``[fairness]`` counts: the new shifts, or None.

    Why: the weeks alone know nothing of each other, so the same people get
    every Saturday off (jiangdong, four weeks: Saturday spread 4, the rule
    paying 400). Who works which of a week's Monday-to-Sunday schedules
    (employee i takes what j had) is an assignment per week. A spread moves
    only when everybody at the top (or bottom) moves at once, which CP-SAT
    searching the whole model from the joined roster did not find (jiangdong,
    20 s under load: spread still 4; it needed 5 s to presolve and 2-4 s per
    neighbourhood). This model is small enough to search well: the fairness
    spreads, labour cost and staff requests (days off or on, shifts wished
    for) as the roster model prices them, and in every
    slot the same staff per role as in the joined roster (``joined``, the
    solver that holds it), so waits, coverage and minimums stay as they are;
    each class of certificates must be able to cover its share. Contract
    limits, availability and the shifts a person may work hold week by week.
    The caller completes the answer in the whole model, which checks every
    rule and prices it exactly, and keeps it only if it is better.
    """
    model = cp_model.CpModel()
    staff = range(len(b.employees))
    weeks = len(b.days) // 7
    per_week = {
        (w, j): {d: t for d in range(7 * w, 7 * w + 7) if (t := chosen.get((j, d))) is not None} for w in range(weeks) for j in staff
    }
    limits = _week_limits(b)
    requests: dict[int, list[StaffRequest]] = {}  # priced as the model prices them: a day off, on, or a shift wished for
    for r in b.rules:
        if isinstance(r, StaffRequest) and r.weight:
            requests.setdefault(r.employee, []).append(r)
    takes: dict[tuple[int, int, int], cp_model.IntVar] = {}
    cost = []
    for w in range(weeks):
        week_days = range(7 * w, 7 * w + 7)
        for i in staff:
            for j in staff:
                plan = per_week[w, j]
                minutes = sum(b.days[d].templates[t].paid_minutes for d, t in plan.items())
                lo, hi, most_days, fewest_days = limits.get((i, w), (0, 10**9, 7, 0))
                if any(t not in b.allowed(i, d) for d, t in plan.items()) or not lo <= minutes <= hi:
                    continue
                if not fewest_days <= len(plan) <= most_days:
                    continue
                takes[w, i, j] = model.NewBoolVar(f"takes_{w}_{i}_{j}")
                model.AddHint(takes[w, i, j], int(i == j))
                cost.append(round(SCALE * schedule_price(b, i, plan, week_days, requests.get(i, ()))) * takes[w, i, j])
        for i in staff:
            model.AddExactlyOne(takes[k] for k in takes if k[0] == w and k[1] == i)
            model.AddExactlyOne(takes[k] for k in takes if k[0] == w and k[2] == i)
        _same_staff_per_role(b, model, joined, chosen, takes, w)
    spreads = []
    for r in b.rules:
        if not isinstance(r, Fairness) or not r.weight:
            continue
        people = list(r.people(len(b.employees)))
        unit = 60 if r.aspect == "hours" else 1
        counts = {
            i: r.offsets.get(i, 0) + sum(r.count_of(b.days, per_week[w, j]) * takes[w, i, j] for (w, k, j) in takes if k == i)
            for i in people
        }
        top = 24 * 60 * len(b.days) + max((abs(v) for v in r.offsets.values()), default=0)
        most, least = model.NewIntVar(-top, top, f"most_{r.name}"), model.NewIntVar(-top, top, f"least_{r.name}")
        for i in people:
            model.Add(most >= counts[i])
            model.Add(least <= counts[i])
        spreads.append(round(r.weight * SCALE / unit) * (most - least))
    model.Minimize(sum(cost) + sum(spreads))
    solver = cp_model.CpSolver()
    configure(solver, time_limit, workers, seed)
    status = solver.Solve(model)
    log.info(
        "hand round: %s, %.1f (bound %.1f)", solver.StatusName(status), solver.ObjectiveValue() / SCALE, solver.BestObjectiveBound() / SCALE
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    handed = {}
    for (w, i, j), var in takes.items():
        if solver.Value(var):
            handed.update({(i, d): t for d, t in per_week[w, j].items()})
    return handed


def schedule_price(b: RosterBuilder, i: int, plan: dict[int, int], week_days: range, requests) -> float:
    """What employee ``i`` working ``plan`` (day -> template) in ``week_days`` costs: labour x cost weight, plus ``requests`` unmet.

    Both as the roster model prices them (its ``requests`` are ``i``'s :class:`StaffRequest` rules).
    """
    minutes = sum(b.days[d].templates[t].paid_minutes for d, t in plan.items())
    labour = b.branch.objective.cost_weight * minutes / 60 * b.employees[i].contract.cost_per_hour
    return labour + sum(r.weight * r.missed(b.days, plan, week_days) for r in requests)


def _week_limits(b: RosterBuilder) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    """(employee, week) -> (least minutes, most minutes, most days, fewest days) from the weekly contract rules."""
    limits: dict[tuple[int, int], list[int]] = {}
    for r in b.rules:
        if isinstance(r, (ContractHours, WorkingDays)) and r.days and len(r.days) == 7:
            key = (r.employee, r.days[0] // 7)
            lo, hi, most, fewest = limits.setdefault(key, [0, 10**9, 7, 0])
            if isinstance(r, ContractHours):
                limits[key][:2] = [max(lo, r.min_minutes), min(hi, r.max_minutes)]
            else:
                limits[key][2:] = [min(most, r.maximum), max(fewest, r.minimum)]
    return {key: (v[0], v[1], v[2], v[3]) for key, v in limits.items()}


def _same_staff_per_role(b: RosterBuilder, model: cp_model.CpModel, joined, chosen: dict, takes: dict, w: int) -> None:
    """In every slot of week ``w``, each class's staff on duty can cover the joined roster's staff per role between them.

    Slots of a day with the same schedules at work and the same staff per
    role are one constraint (most of a day's slots repeat their neighbour's).
    """
    for d in range(7 * w, 7 * w + 7):
        day = b.days[d]
        seen = set()
        for s in range(len(day.slots)):
            needed = tuple(joined.Value(b.n[r, d, s]) for r in b.branch.role_names)
            working = frozenset(j for j in range(len(b.employees)) if s in _slots(b, chosen, j, d))
            if not any(needed) or (working, needed) in seen:
                continue
            seen.add((working, needed))
            share: dict[str, list] = {r: [] for r in b.branch.role_names}
            for c, members in b.classes.items():
                on = [takes[k] for k in takes if k[0] == w and k[1] in members and k[2] in working]
                parts = []
                for r in sorted(c):
                    part = model.NewIntVar(0, len(members), f"share_{d}_{s}_{r}_{len(parts)}")
                    share[r].append(part)
                    parts.append(part)
                model.Add(sum(parts) == sum(on))
            for r, n in zip(b.branch.role_names, needed):
                model.Add(sum(share[r]) == n)


def _slots(b: RosterBuilder, chosen: dict, j: int, d: int) -> tuple[int, ...]:
    t = chosen.get((j, d))
    return () if t is None else b.days[d].templates[t].slots


def elapsed(since: float) -> float:
    return time.perf_counter() - since
