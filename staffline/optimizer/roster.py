"""Solve a weekly roster: demand + instance -> shifts and roles per person.

Flow: wait curves per role and slot (queueing) -> one model with every rule
(``branch_model`` + ``constraints``), searched by CBC and/or CP-SAT
(``search``) -> person-level roles
(``assign_roles``) -> KPIs recomputed from the roster actually produced.
When no roster exists, the rules are switched on and off through assumption
literals to name a minimal conflicting set (``diagnose``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from staffline.constraints.registry import build_rules
from staffline.constraints.rules import BusyCoverage, Rule
from staffline.deadline import Deadline, SharedWall, after_search_reserve, role_assignment_seconds, role_day_budget, role_day_seconds
from staffline.forecasting.intervals import rate_variance
from staffline.model import ROLE_CHANGES, Instance, minutes_of
from staffline.optimizer.assign_roles import CP_SAT_MOST_PEOPLE, assign_day
from staffline.optimizer.check import role_changes
from staffline.optimizer.core.branch_model import SCALE, DayGrid, RosterBuilder, WaitData, plan_days
from staffline.optimizer.core.cpsat_backend import STATUS, configure, fix_variable, solve_model
from staffline.optimizer.core.templates import shift_parts
from staffline.optimizer.decomposition.branch_engine import search_columns
from staffline.optimizer.explain import Explanation, explain
from staffline.optimizer.replan import RoleAnchor
from staffline.optimizer.search.horizon import search_horizon
from staffline.optimizer.search.portfolio import SEARCHES as COMPACT_SEARCHES
from staffline.optimizer.search.portfolio import ModelFactory, build_model
from staffline.optimizer.search.warm_start import greedy_roster, maximums_of_day, minimums_of_day
from staffline.queueing import erlang_a, service_level, wait_curve

ROSTER_COLUMNS = ["employee", "date", "start", "end", "role"]
# ``auto`` runs column generation above this many shift options (staff x templates), None = never. None today:
# measured on 2 busy cores (docs/design.md, the decomposition engine), columns ended 4% above the portfolio's roster
# at 60 staff in 60 s and 0.5% above it at 150 staff in 120 s, both with no bound, and 56% above it on jiangdong:
# the branch master's GLOP solves take 40-130 s.
AUTO_COLUMNS_ABOVE: int | None = None


def search_auto(built: ModelFactory, instance, time_limit: float, workers: int, seed: int, progress):
    """The portfolio, or column generation above :data:`AUTO_COLUMNS_ABOVE` shift options; ``b.backend`` says which ran."""
    columns = AUTO_COLUMNS_ABOVE is not None and built.shift_options > AUTO_COLUMNS_ABOVE
    name = "columns" if columns else "portfolio"
    b, *rest = SEARCHES[name](built, instance, time_limit, workers, seed, progress)
    b.backend = name  # what kpis.json reports
    return (b, *rest)


SEARCHES = {**COMPACT_SEARCHES, "columns": functools.partial(search_columns, start=greedy_roster), "auto": search_auto}
BACKENDS = tuple(SEARCHES)


ProgressCallback = Callable[[float, float, float], None]
"""Called with (seconds since the start, objective, bound) each time the solver finds a better roster."""


@dataclass
class Demand:
    """Expected walk-in arrivals per slot (forecast frame) and mean service time per role."""

    frame: pd.DataFrame  # date, slot_start ("HH:MM"), role, tier, mean
    aht_minutes: Mapping[str, float]


@dataclass
class RosterResult:
    """The optimizer's answer for one week: the roster and how good it provably is, or why there is none.

    ``status`` is ``optimal``, ``feasible`` (a roster; ``gap`` = (objective -
    bound) / objective), ``infeasible`` (``diagnosis`` names the rules that
    cannot all hold, ``message`` says it in one line) or ``time_limit`` (no
    roster found in the time given). ``kpis`` is what kpis.json holds and
    ``coverage`` the staff, expected wait and service level per slot and role.
    """

    status: str
    roster: pd.DataFrame  # employee, date, start, end, role
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    solve_seconds: float = 0.0
    kpis: dict = field(default_factory=dict)
    coverage: pd.DataFrame | None = None
    diagnosis: list[str] = field(default_factory=list)  # names of conflicting rules (infeasible weeks)
    message: str = ""
    explanation: Explanation | None = None  # the same rules with their cause in the data (roles, employees, days, slots)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def with_certifications(instance: Instance, extra: Mapping[str, list[str]] | None) -> Instance:
    """What-if cross-training: add roles to employees' certificates."""
    if not extra:
        return instance
    staff = tuple(dataclasses.replace(e, roles=tuple(dict.fromkeys([*e.roles, *extra.get(e.id, [])]))) for e in instance.staff)
    return dataclasses.replace(instance, staff=staff)


def slot_arrivals(demand: Demand, days: list[DayGrid], role: str) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per day index: (total arrivals, VIP arrivals) per open slot of ``role``."""
    rows = demand.frame[demand.frame["role"] == role]
    dates = pd.to_datetime(rows["date"]).dt.date
    keyed = rows.assign(_date=dates)
    total = keyed.groupby(["_date", "slot_start"])["mean"].sum()
    vip = keyed[keyed["tier"] == "vip"].groupby(["_date", "slot_start"])["mean"].sum()
    out = {}
    for d, day in enumerate(days):
        keys = [(day.date, f"{t:%H:%M}") for t in day.slots]
        out[d] = (
            np.array([float(total.get(k, 0.0)) for k in keys]),
            np.array([float(vip.get(k, 0.0)) for k in keys]),
        )
    return out


def appointments_in_progress(instance: Instance, days: list[DayGrid], vip_only: bool = False) -> dict[str, dict[int, np.ndarray]]:
    """Per role and day: number of appointments overlapping each slot."""
    apps = instance.appointments
    if vip_only:
        apps = apps[apps["tier"] == "vip"]
    slot = instance.branch.slot_minutes
    out: dict[str, dict[int, np.ndarray]] = {}
    for d, day in enumerate(days):
        todays = apps[apps["start"].dt.date == day.date]
        for role, group in todays.groupby("role"):
            busy = np.zeros(len(day.slots), dtype=int)
            for start, duration in zip(group["start"], group["duration"]):
                a = start.hour * 60 + start.minute
                b = a + duration
                for s, t in enumerate(day.slots):
                    m = minutes_of(t)
                    if m < b and a < m + slot:
                        busy[s] += 1
            out.setdefault(str(role), {})[d] = busy
    return out


def demand_variance(instance: Instance, demand: Demand) -> Demand | None:
    """The forecast's rate variance per row in the ``mean`` column (so slot sums reuse :func:`slot_arrivals`), or None.

    None unless ``[objective] demand = "expected"``. The variance is read
    from the frame's interval columns (``forecasting.intervals.rate_variance``);
    tiers' rates are summed as independent, so their variances add.
    """
    if instance.branch.objective.demand != "expected":
        return None
    return variance_of(demand)


def variance_of(demand: Demand) -> Demand:
    """``demand`` with each row's rate variance (from its intervals) in place of its mean."""
    return Demand(demand.frame.assign(mean=rate_variance(demand.frame)), demand.aht_minutes)


def demand_frame(instance: Instance, demand: Demand) -> pd.DataFrame:
    """The forecast frame for ``queueing.requirements``: with a ``rate_var`` column when demand is ``expected``."""
    variance = demand_variance(instance, demand)
    return demand.frame if variance is None else demand.frame.assign(rate_var=variance.frame["mean"])


def build_waits(
    instance: Instance, demand: Demand, days: list[DayGrid], method: str, variance: Demand | None = None
) -> tuple[WaitData, dict]:
    """Convex wait curves per role and day, VIP minutes weighted by the VIP multiplier.

    With ``[objective] demand = "expected"`` each slot's curve is the
    expectation over its rate distribution (:func:`demand_variance`);
    a given ``variance`` (rate variance per row in ``mean``) does the same
    with that variance (intraday: the updated level's posterior).
    """
    branch = instance.branch
    busy = appointments_in_progress(instance, days)
    variance = demand_variance(instance, demand) if variance is None else variance
    curves: dict[str, dict[int, np.ndarray]] = {}
    arrivals: dict[str, dict] = {}
    for role in branch.roles:
        n_max = len(instance.certified(role.name))
        aht = float(demand.aht_minutes.get(role.name, role.aht_minutes))
        arrivals[role.name] = per_day = slot_arrivals(demand, days, role.name)
        spread = slot_arrivals(variance, days, role.name) if variance is not None else {}
        curves[role.name] = {}
        for d, (total, vip) in per_day.items():
            if not len(total) or total.sum() == 0:
                continue
            var = spread[d][0] if d in spread else None
            curve = wait_curve(total, aht, role.patience_minutes, n_max, branch.slot_minutes, method, rate_variance=var)
            mult = branch.objective.vip_wait_multiplier
            weight = np.where(total > 0, (total + (mult - 1) * vip) / np.maximum(total, 1e-12), 1.0)
            curves[role.name][d] = curve * weight[:, None]
    return WaitData(curves=curves, busy=busy), arrivals


ROLE_DAY_FLOOR_SECONDS = 0.5  # the least wall time one day's role assignment gets, deadline or not
ROLE_FIRST_SECONDS_PER_PERSON = 0.03  # wall seconds a day's role assignment needs per person on duty before its first assignment
ROLE_DAY_FLOOR_MOST_SECONDS = 2.0  # ... but never more: 300 staff's 9 s a day ended a 300 s run at 316 s (limit + 10 s is the promise)


def role_day_floor(people: int) -> float:
    """The least wall time a day's role assignment with ``people`` on duty gets, even past the run's deadline.

    Why: without an assignment of its own the day falls back to whole-day
    roles, which break hard role minima (lobby at lunch) and cost far more
    than any overrun: at 60 staff (60 s, load 2.6) the last day got 1.8 s,
    CP-SAT had no assignment (its first came at 1.1 s idle, 2-3 s under
    load: presolve, then the hint) and the roster as written was 15,451
    against 14,425-14,538 for the same class-level roster.
    """
    return max(ROLE_DAY_FLOOR_SECONDS, min(ROLE_DAY_FLOOR_MOST_SECONDS, ROLE_FIRST_SECONDS_PER_PERSON * people))


ONE_WORKER_GRACE_SECONDS = 5.0  # a one-worker search may pass the run's deadline by this much before the wall clock stops it
CORE_SECONDS = 5.0  # of the diagnosis budget for CP-SAT's assumption core (a head start, not a requirement)


def rules_conflict(b, names, time_limit: float, seed: int = 0) -> bool:
    """Whether CP-SAT proves, within ``time_limit``, that the rules ``names`` of a diagnosis model cannot all hold.

    Their literals are fixed to true in a copy of the model (the other rules
    are left free, i.e. switched off) rather than passed as assumptions:
    with assumptions CP-SAT keeps presolve from using them, and on a
    four-staff week the proof took 65 s where the fixed copy took 0.7 s.
    """
    model = b.model.clone()
    model.ClearAssumptions()
    for name in names:
        fix_variable(model.proto, b.rule_literals[name].Index(), 1)
    solver = cp_model.CpSolver()
    configure(solver, time_limit, 1, seed)
    return solver.Solve(model) == cp_model.INFEASIBLE


def diagnose(instance, days, waits, rules, time_limit: float = 30.0, seed: int = 0) -> list[str]:
    """A set of rule names that cannot all hold, minimal unless the budget ran out (then still a conflict).

    CP-SAT's assumption core narrows the rules first when it comes within
    ``CORE_SECONDS``; a deletion filter then drops each rule whose absence
    leaves the rest provably conflicting (:func:`rules_conflict`). A rule
    whose trial is not decided in time stays, so the answer is always a
    proven conflict; empty when not even all rules together are proven one.
    """
    started = time.perf_counter()
    b = build_model(instance, days, waits, rules, diagnose=True)
    names = list(b.rule_literals)
    solver, status = solve_model(b, min(CORE_SECONDS, time_limit), 1, seed, assumptions=[b.rule_literals[n] for n in names])
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []  # every rule holds at once: there is no conflict to name
    if status == cp_model.INFEASIBLE:
        core_idx = set(solver.SufficientAssumptionsForInfeasibility())
        core = [n for n in names if b.rule_literals[n].Index() in core_idx]
    else:
        core = names
        if not rules_conflict(b, core, max(0.5, time_limit - (time.perf_counter() - started)), seed):
            return []
    for name in list(core):
        left = time_limit - (time.perf_counter() - started)
        if left <= 0:
            break
        trial = [n for n in core if n != name]
        if rules_conflict(b, trial, left, seed):
            core = trial
    return core


def week_rules(
    instance: Instance,
    days: list[DayGrid],
    waits: WaitData,
    previous_days: Mapping[str, tuple[bool, ...]] | None = None,
    previous_end: Mapping[str, dt.datetime] | None = None,
    headcount: int | None = None,
) -> list[Rule]:
    """Every rule of the week's model: the registry's, appointments covered, VIP coverage.

    One function so the roster model and the intraday role moves (which
    need the same per-slot role minima and maxima) see the same rules.
    """
    rules = build_rules(instance, previous_days, previous_end, headcount, dates=[day.date for day in days])
    for role in instance.branch.roles:
        if role.name in waits.busy:
            rules.append(BusyCoverage(name=f"appointments covered for {role.name}", role=role.name, required=waits.busy[role.name]))
    for cfg in instance.branch.rules:
        if cfg.get("type") == "vip_coverage":
            role = cfg.get("role", "advisory")
            vip = appointments_in_progress(instance, days, vip_only=True).get(role, {})
            rules.append(BusyCoverage(name=cfg.get("name", f"VIP coverage for {role}"), hard=True, role=role, required=vip))
    return rules


def solve_roster(
    instance: Instance,
    demand: Demand,
    week_start: dt.date,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    headcount: int | None = None,
    extra_certifications: Mapping[str, list[str]] | None = None,
    previous_days: Mapping[str, tuple[bool, ...]] | None = None,
    previous_end: Mapping[str, dt.datetime] | None = None,
    wait_method: str | None = None,
    backend: str = "portfolio",
    diagnose_infeasible: bool = True,
    extra_rules: Sequence[Rule] = (),
    role_anchor: RoleAnchor | None = None,
    deadline: Deadline | None = None,
    weeks: int = 1,
) -> RosterResult:
    """The roster of ``weeks`` weeks from the Monday ``week_start`` (one model over all the days) minimising expected waiting + cost + penalties under the hard rules.

    ``backend``: ``"portfolio"`` (default) runs CBC on the model first and
    lets CP-SAT improve from its roster, keeping the better roster and the
    better bound (:func:`~staffline.optimizer.search.portfolio.search_portfolio`; large branches go to CP-SAT
    alone); ``"cpsat"`` is CP-SAT from a greedy warm start; ``"cbc"`` is the
    same model (same rule objects) on PuLP/CBC, the cross-check. Diagnosis of
    an infeasible week always runs on CP-SAT; ``diagnose_infeasible=False``
    skips it (the answer is then just "infeasible", found much faster).
    ``extra_rules`` and ``role_anchor`` are re-planning's
    (:class:`~staffline.optimizer.replan.Amendment`): absences, kept
    person-days, the change penalty and the published roles.

    ``deadline`` is the wall-clock moment this call must be done by (a
    planning run's, less what the run needs after it): the search gets
    ``time_limit`` or what is left of the deadline after a reserve for role
    assignment, whichever is less, and role assignment stops by the deadline
    (a diagnosis keeps its own 30 s). Without one, the search has ``time_limit`` and role
    assignment its reserve after it. With one worker role assignment keeps
    its deterministic budget (repeatable), and the search gets
    ``time_limit`` as deterministic time (about a second a unit on an idle
    machine), never a measured amount, and the wall clock stops it
    :data:`ONE_WORKER_GRACE_SECONDS` after its share of the deadline at the
    latest: the run may then end that much after its limit, or lose
    repeatability on a machine too loaded to keep up.
    """
    if week_start.weekday() != 0:
        raise ValueError("week_start must be a Monday")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    instance = with_certifications(instance, extra_certifications)
    days = plan_days(instance, week_start, weeks)
    waits, arrivals = build_waits(instance, demand, days, wait_method or instance.branch.objective.wait_method)
    rules = week_rules(instance, days, waits, previous_days, previous_end, headcount) + list(extra_rules)
    threads = role_threads(workers)
    roles_reserve, _ = after_search_reserve(len(instance.staff), len(days), time_limit, threads)
    deadline = deadline or Deadline(time_limit + roles_reserve)
    if workers == 1:  # repeatable: the limit as deterministic time, never a measured amount; the wall clock guards the deadline
        search_limit = time_limit
        stop_by = deadline.before(roles_reserve - ONE_WORKER_GRACE_SECONDS)
    else:
        search_limit = deadline.budget(reserve=roles_reserve, floor=min(0.5, time_limit), cap=time_limit)
        stop_by = deadline.before(roles_reserve)
    spare = functools.partial(spared_role_seconds, len(instance.staff), roles_reserve, time_limit, threads)
    built = ModelFactory(instance, days, waits, rules, deadline=stop_by, spare_role_time=spare)
    found = None
    if weeks > 1 and backend in ("portfolio", "cpsat", "auto") and not extra_rules:  # cbc and columns search the whole model alone

        def rules_of_week(alone: Instance, wdays: list[DayGrid], wwaits: WaitData, first: bool) -> list[Rule]:
            return week_rules(alone, wdays, wwaits, previous_days if first else None, previous_end if first else None, headcount)

        week_backend = "portfolio" if backend == "auto" else backend  # the weeks are branch-sized: auto's portfolio
        found = search_horizon(built, instance, rules_of_week, week_backend, search_limit, workers, seed, progress)
    if found is None:
        found = SEARCHES[backend](built, instance, search_limit, workers, seed, progress)
    b, solver, bound_solver, status, seconds = found
    name = STATUS.get(status, "unknown")
    empty = pd.DataFrame(columns=ROSTER_COLUMNS)
    if status == cp_model.INFEASIBLE:
        # not bound by the run's deadline: with less than its 30 s a loaded machine named non-minimal conflicts
        core = diagnose(instance, days, waits, rules, seed=seed) if diagnose_infeasible else []
        why = explain(instance, days, waits, rules, core, seed) if diagnose_infeasible else None
        return RosterResult(
            "infeasible",
            empty,
            solve_seconds=seconds,
            diagnosis=core,
            explanation=why,
            message=why.message if why else "no roster: the rules cannot all hold (diagnosis not run)",
            kpis={
                "status": "infeasible",
                "solve_seconds": round(seconds, 3),
                "conflicting_rules": core,
                "diagnosis": why.as_dict() if why else None,
            },
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return RosterResult(
            "time_limit",
            empty,
            solve_seconds=seconds,
            message=f"time limit {time_limit:g} s reached without a roster",
            kpis={"status": "time_limit", "solve_seconds": round(seconds, 3)},
        )
    objective = solver.ObjectiveValue() / SCALE
    bound = min(bound_solver.BestObjectiveBound() / SCALE, objective)
    gap = abs(objective - bound) / max(abs(objective), 1e-9)
    per_day_limit = role_day_seconds(time_limit)  # deterministic: a share of the limit that grows with it
    # one worker: role assignment on its deterministic budget alone (repeatable), as the search
    roles_by = deadline if workers != 1 else None
    roster, mismatch, changes = extract_roster(
        b, solver, instance, seed, per_day_limit=per_day_limit, anchor=role_anchor, deadline=roles_by, threads=threads
    )
    coverage, kpis = roster_kpis(instance, demand, days, roster, arrivals, waits)
    penalties = b.penalty_values(solver)
    penalties[ROLE_CHANGES] = instance.branch.objective.role_change_weight * changes  # the persons' desks, not the class counts'
    kpis.update(
        {
            "objective": round(objective, 3),
            "bound": round(bound, 3),
            "gap": round(gap, 6),
            "status": name,
            "backend": getattr(b, "backend", backend),
            "solve_seconds": round(seconds, 3),
            "week_start": week_start.isoformat(),
            "weeks": weeks,
            "penalties": {k: round(v, 3) for k, v in penalties.items() if v},
            "role_assignment_mismatch_slots": mismatch,
            "role_changes_per_person_day": changes_per_person_day(roster),
        }
    )
    return RosterResult(name, roster, objective, bound, gap, seconds, kpis, coverage)


SOLVED_DAY_MOST_PEOPLE = round(1.5 * CP_SAT_MOST_PEOPLE)  # see spared_role_seconds


def spared_role_seconds(staff: int, reserve: float, limit: float, threads: int, people_on_duty: list[int]) -> float:
    """Seconds of role assignment's ``reserve`` that a roster with ``people_on_duty`` a day leaves unused: the search may take them.

    Why: the reserve (:func:`~staffline.deadline.after_search_reserve`) is
    sized before any roster exists, for a CP-SAT day model every day, but a
    day with more people on duty than
    :data:`~staffline.optimizer.assign_roles.CP_SAT_MOST_PEOPLE` is only
    polished and kicked, in less time: a 60-staff week at 60 s ended its
    run 10 s early. A day counts as solved up to
    :data:`SOLVED_DAY_MOST_PEOPLE` people on duty, a margin for the search's
    later rosters.
    """
    solved = sum(1 for people in people_on_duty if people <= SOLVED_DAY_MOST_PEOPLE)
    need = role_assignment_seconds(staff, solved, len(people_on_duty) - solved, limit, threads)
    return max(0.0, reserve - need)


def role_threads(workers: int) -> int:
    """Days assigned roles at once: the run's workers, at most the machine's cores."""
    return max(1, min(workers, os.cpu_count() or 1))


def extract_roster(
    b: RosterBuilder,
    solver,
    instance: Instance,
    seed: int,
    per_day_limit: float = 3.0,
    anchor: RoleAnchor | None = None,
    deadline: Deadline | None = None,
    threads: int = 1,
) -> tuple[pd.DataFrame, int, int]:
    """Solver values -> long roster rows (one per block of one role), the role count mismatch and the desk changes.

    Each day's role assignment has ``per_day_limit`` of deterministic time
    and, with a ``deadline``, a share of the wall time left to it, set when
    the day starts (:class:`~staffline.deadline.SharedWall`: a day that ends
    early leaves its time to the days after it), but never less than
    :data:`ROLE_DAY_FLOOR_SECONDS` (on a loaded machine less left CP-SAT
    without even a first assignment, and the fallback keeps no hard role
    minimum). ``threads`` days are assigned at once, the busiest first (most
    person-slots), so that the days left for last are the quick ones.

    With a deadline (the runs that are not one-worker repeatable ones), a
    search that ended early, by proving its optimum, leaves its time to role
    assignment: each day's deterministic budget grows to its wall share
    (:func:`~staffline.deadline.role_day_budget`). Role assignment is where the roster as
    written loses against the bound (desk changes, class counts no person
    can follow), and a day stops as soon as CP-SAT proves its assignment.
    """
    block = max(1, instance.branch.shift_rules.min_role_block_minutes // instance.branch.slot_minutes)
    threads = max(1, threads)
    worked = {d: _worked_templates(b, solver, d) for d in range(len(b.days))}
    # each day's share of the wall time left, set as it starts; days run ``threads`` at a time
    working = sum(1 for shifts in worked.values() if shifts)  # a closed day takes no share
    shares = SharedWall(deadline, threads, working, floor=ROLE_DAY_FLOOR_SECONDS) if deadline is not None else None

    def one_day(d: int) -> tuple[list, int, int]:
        shifts = worked[d]
        people = [(e.id, e.roles, shifts[e.id].slots) for e in b.employees if e.id in shifts]
        if not people:
            return [], 0, 0
        wall = shares.start(role_day_floor(len(people))) if shares is not None else None
        try:
            return _assign_one_day(d, people, shifts, role_day_budget(per_day_limit, wall), wall)
        finally:
            if shares is not None:
                shares.done()

    def _assign_one_day(d: int, people: list, shifts: dict, day_limit: float, wall: float | None) -> tuple[list, int, int]:
        day = b.days[d]
        targets = {(c, s, r): solver.Value(v) for (c, dd, s, r), v in b.y.items() if dd == d}
        slot = instance.branch.slot_minutes
        open_m = minutes_of(day.slots[0])
        prefer, fixed = anchor.for_day(day.date, {p: t.slots for p, t in shifts.items()}, open_m, slot) if anchor else ({}, {})
        roles_of, dev, moved = assign_day(
            people,
            targets,
            block,
            seed,
            minimums=minimums_of_day(b, d),
            maximums=maximums_of_day(b, d),
            wait_values=b.wait_values(d),
            time_limit=day_limit,
            change_weight=round(instance.branch.objective.role_change_weight * SCALE),
            prefer=prefer,
            prefer_weight=round(anchor.weight * SCALE) if anchor else 0,
            fixed=fixed,
            wall_limit=wall,
        )
        return day_rows(people, roles_of, day.date, open_m, slot), dev, moved

    # CP-SAT releases the GIL while it solves: days side by side cut the wall time, and each day's
    # deterministic budget keeps the answer the same as one after another
    busiest_first = sorted(range(len(b.days)), key=lambda d: -sum(len(t.slots) for t in worked[d].values()))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        done = list(pool.map(one_day, busiest_first))
    rows = [row for day_rows_, _, _ in done for row in day_rows_]
    mismatch = sum(dev for _, dev, _ in done)
    changes = sum(moved for _, _, moved in done)
    frame = pd.DataFrame(rows, columns=ROSTER_COLUMNS).sort_values(["date", "employee", "start"], kind="stable")
    return frame.reset_index(drop=True), mismatch, changes


def _worked_templates(b: RosterBuilder, solver, d: int) -> dict:
    """Employee id -> the shift template they work on day ``d`` in the solver's roster (absent: off)."""
    out = {}
    for i, e in enumerate(b.employees):
        chosen = [t for t, var in b.x[i, d].items() if solver.Value(var)]
        if chosen:
            out[e.id] = b.days[d].templates[chosen[0]]
    return out


def day_rows(people, roles_of: Mapping[tuple[str, int], str], date: dt.date, open_minute: int, slot: int) -> list[tuple]:
    """Roster rows (employee, date, start, end, role) of one day: one per run of a role within each shift part."""
    rows = []
    block_row = lambda pid, a, b, role: (pid, date.isoformat(), hhmm(open_minute + a * slot), hhmm(open_minute + b * slot), role)  # noqa: E731
    for pid, _, slots in people:
        for part in shift_parts(slots):
            run_start, run_role = part[0], roles_of[pid, part[0]]
            for s in part[1:]:
                if roles_of[pid, s] != run_role:
                    rows.append(block_row(pid, run_start, s, run_role))
                    run_start, run_role = s, roles_of[pid, s]
            rows.append(block_row(pid, run_start, part[-1] + 1, run_role))
    return rows


def changes_per_person_day(roster: pd.DataFrame) -> float:
    """Mean desk changes per worked person-day, counted as the checker counts them (:func:`role_changes`)."""
    per_day = role_changes(roster.itertuples())
    return round(sum(per_day.values()) / len(per_day), 3) if per_day else 0.0


def staff_per_slot(roster: pd.DataFrame, days: list[DayGrid], role: str, slot_minutes: int) -> dict[int, np.ndarray]:
    """Rostered staff on ``role`` per open slot, from the roster rows themselves."""
    out = {}
    for d, day in enumerate(days):
        counts = np.zeros(len(day.slots), dtype=int)
        rows = roster[(roster["date"] == day.date.isoformat()) & (roster["role"] == role)]
        starts = np.array([minutes_of(t) for t in day.slots])
        for a, b in zip(rows["start"], rows["end"]):
            lo = minutes_of(dt.time.fromisoformat(a))
            hi = minutes_of(dt.time.fromisoformat(b))
            counts += (starts >= lo) & (starts < hi)
        out[d] = counts
    return out


def roster_kpis(instance, demand, days, roster, arrivals, waits, variance: Demand | None = None) -> tuple[pd.DataFrame, dict]:
    """Coverage table and KPIs of the roster as produced (not as the solver assumed).

    Waits come from the optimizer's curves (expected over the rate with
    ``demand = "expected"`` or a given ``variance``, as in :func:`build_waits`);
    service levels are at the forecast mean rate.
    """
    branch = instance.branch
    slot = branch.slot_minutes
    variance = demand_variance(instance, demand) if variance is None else variance
    rows, per_role = [], {}
    for role in branch.roles:
        spread = slot_arrivals(variance, days, role.name) if variance is not None else {}
        aht = float(demand.aht_minutes.get(role.name, role.aht_minutes))
        staffed = staff_per_slot(roster, days, role.name, slot)
        total_arr = total_wait = served_in_target = 0.0
        for d, day in enumerate(days):
            if not day.slots:
                continue
            arr = arrivals[role.name][d][0]
            busy = waits.busy.get(role.name, {}).get(d, np.zeros(len(day.slots), dtype=int))
            n = staffed[d]
            free = np.maximum(n - busy, 0)
            lam = arr / slot
            # customer-minutes from the same convex curve the optimizer used (finite when overloaded)
            var = spread[d][0] if d in spread else None
            curve = wait_curve(
                arr, aht, role.patience_minutes, max(int(free.max(initial=0)), 1), slot, branch.objective.wait_method, rate_variance=var
            )
            minutes = curve[np.arange(len(arr)), free]
            w = np.where(arr > 0, minutes / np.maximum(arr, 1e-12), 0.0)
            if role.patience_minutes is None:
                sl = np.where(arr > 0, service_level(lam * aht, free, aht, role.wait_target_minutes), 1.0)
            else:
                sl = np.where(arr > 0, erlang_a(lam, aht, role.patience_minutes, free).service_level(role.wait_target_minutes), 1.0)
            for s, t in enumerate(day.slots):
                rows.append(
                    (
                        day.date.isoformat(),
                        f"{t:%H:%M}",
                        role.name,
                        round(float(arr[s]), 3),
                        int(busy[s]),
                        int(n[s]),
                        float(w[s]),
                        float(sl[s]),
                    )
                )
            total_arr += arr.sum()
            total_wait += float(minutes.sum())
            served_in_target += float((arr * sl).sum())
        per_role[role.name] = {
            "arrivals": round(total_arr, 1),
            "expected_wait_minutes": round(total_wait / total_arr, 3) if total_arr else 0.0,
            "service_level": round(served_in_target / total_arr, 4) if total_arr else 1.0,
            "customer_minutes_waited": round(total_wait, 1),
        }
    coverage = pd.DataFrame(
        rows, columns=["date", "slot_start", "role", "arrivals", "appointments", "rostered", "expected_wait", "service_level"]
    )
    cost = 0.0
    for row in roster.itertuples():
        minutes = minutes_of(dt.time.fromisoformat(row.end)) - minutes_of(dt.time.fromisoformat(row.start))
        cost += minutes / 60 * instance.employee(row.employee).contract.cost_per_hour
    return coverage, {
        "cost": round(cost, 2),
        "roles": per_role,
        "hours": round(
            float(
                sum(
                    minutes_of(dt.time.fromisoformat(e)) - minutes_of(dt.time.fromisoformat(s))
                    for s, e in zip(roster["start"], roster["end"])
                )
                / 60
            ),
            2,
        ),
    }
