"""Solve a weekly roster: demand + instance -> shifts and roles per person.

Flow: wait curves per role and slot (queueing) -> one CP-SAT model with every
rule (``branch_model`` + ``constraints``) -> person-level roles
(``assign_roles``) -> KPIs recomputed from the roster actually produced.
When no roster exists, the rules are switched on and off through assumption
literals to name a minimal conflicting set (``diagnose``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from ..constraints.registry import build_rules
from ..constraints.rules import BusyCoverage
from ..model import Instance, minutes_of
from ..queueing import erlang_a, service_level, wait_curve
from .assign_roles import assign_day
from .branch_model import SCALE, DayGrid, RosterBuilder, WaitData, plan_days
from .cbc_backend import CbcModel, solve_cbc
from .solve import STATUS, configure, solve_model
from .templates import shift_parts
from .warm_start import add_hint, greedy_roster, maximums_of_day, minimums_of_day

ROSTER_COLUMNS = ["employee", "date", "start", "end", "role"]


@dataclass
class Demand:
    """Expected walk-in arrivals per slot (forecast frame) and mean service time per role."""

    frame: pd.DataFrame  # date, slot_start ("HH:MM"), role, tier, mean
    aht_minutes: Mapping[str, float]


@dataclass
class RosterResult:
    status: str
    roster: pd.DataFrame
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    solve_seconds: float = 0.0
    kpis: dict = field(default_factory=dict)
    coverage: pd.DataFrame | None = None
    diagnosis: list[str] = field(default_factory=list)
    message: str = ""


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def with_certifications(instance: Instance, extra: Mapping[str, list[str]] | None) -> Instance:
    """What-if cross-training: add roles to employees' certificates."""
    if not extra:
        return instance
    staff = tuple(
        dataclasses.replace(e, roles=tuple(dict.fromkeys([*e.roles, *extra.get(e.id, [])]))) for e in instance.staff
    )
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


def build_waits(instance: Instance, demand: Demand, days: list[DayGrid], method: str) -> tuple[WaitData, dict]:
    """Convex wait curves per role and day, VIP minutes weighted by the VIP multiplier."""
    branch = instance.branch
    busy = appointments_in_progress(instance, days)
    curves: dict[str, dict[int, np.ndarray]] = {}
    arrivals: dict[str, dict] = {}
    for role in branch.roles:
        n_max = len(instance.certified(role.name))
        aht = float(demand.aht_minutes.get(role.name, role.aht_minutes))
        arrivals[role.name] = per_day = slot_arrivals(demand, days, role.name)
        curves[role.name] = {}
        for d, (total, vip) in per_day.items():
            if not len(total) or total.sum() == 0:
                continue
            curve = wait_curve(total, aht, role.patience_minutes, n_max, branch.slot_minutes, method)
            mult = branch.objective.vip_wait_multiplier
            weight = np.where(total > 0, (total + (mult - 1) * vip) / np.maximum(total, 1e-12), 1.0)
            curves[role.name][d] = curve * weight[:, None]
    return WaitData(curves=curves, busy=busy), arrivals


def symmetry_groups(b: RosterBuilder, instance: Instance) -> list[list[int]]:
    """Interchangeable employees: same certificates and contract, no personal rules."""
    personal = {r.employee for r in instance.requests} | {e.id for e in instance.staff if e.unavailable}
    groups: dict[tuple, list[int]] = {}
    for i, e in enumerate(b.employees):
        if e.id not in personal:
            groups.setdefault((frozenset(e.roles), e.contract), []).append(i)
    return [members for members in groups.values() if len(members) > 1]


def _symmetry_breaking(b: RosterBuilder, groups: list[list[int]]) -> None:
    """Interchangeable employees work in decreasing hours (one roster of each permutation class)."""
    for members in groups:
        for a, c in zip(members, members[1:]):
            b.model.Add(b.paid_minutes(a) >= b.paid_minutes(c))


def warm_start_budget(time_limit: float) -> float:
    """Seconds of the time limit given to completing the warm start (15%, at least 2 s, at most half)."""
    return min(max(2.0, 0.15 * time_limit), 0.5 * time_limit)


def _warm_start(b: RosterBuilder, groups: list[list[int]], time_limit: float, seed: int, deterministic: bool):
    """Hint a complete starting roster: greedy shifts, then the best roles for them.

    Returns the seconds spent and, when the greedy shifts admit a roster, the
    solver that holds it (variable indices are the same in the clone), so the
    caller can fall back to it if the main search finds nothing in time.

    The greedy shifts alone are a partial hint, which CP-SAT often fails to
    complete on big branches; solving the model with the shifts fixed (a small
    problem: only role counts remain) yields a value for every variable, and a
    complete feasible hint becomes CP-SAT's first solution at once.
    ``deterministic`` runs it on CP-SAT's deterministic time only, so a
    one-worker run repeats exactly; otherwise the wall clock also caps it.
    """
    started = time.perf_counter()
    chosen = greedy_roster(b)
    n_days = len(b.days)
    for members in groups:  # respect the symmetry breaking: more hours first within a group
        plans = [{d: chosen.get((i, d)) for d in range(n_days)} for i in members]
        minutes = lambda plan: sum(b.days[d].templates[t].paid_minutes for d, t in plan.items() if t is not None)  # noqa: E731
        plans.sort(key=minutes, reverse=True)
        for i, plan in zip(members, plans):
            for d, t in plan.items():
                chosen.pop((i, d), None)
                if t is not None:
                    chosen[i, d] = t
    fixed = b.model.clone()
    for (i, d), options in b.x.items():
        for t, var in options.items():
            fixed.Add(fixed.get_int_var_from_proto_index(var.Index()) == int(chosen.get((i, d)) == t))
    solver = cp_model.CpSolver()
    budget = warm_start_budget(time_limit)
    configure(solver, budget, 1, seed)
    if not deterministic:
        solver.parameters.max_time_in_seconds = budget
    status = solver.Solve(fixed)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for index in range(len(b.model.Proto().variables)):
            var = b.model.get_int_var_from_proto_index(index)
            b.model.AddHint(var, solver.Value(fixed.get_int_var_from_proto_index(index)))
        return time.perf_counter() - started, solver
    add_hint(b, chosen)
    return time.perf_counter() - started, None


def build_model(instance, days, waits, rules, diagnose=False, model=None) -> RosterBuilder:
    """The roster model with every rule; ``model`` = a :class:`CbcModel` builds it for CBC."""
    b = RosterBuilder(instance, days, waits, diagnose=diagnose, model=model)
    b.add_rules(rules)
    return b


def diagnose(instance, days, waits, rules, time_limit: float = 30.0, seed: int = 0) -> list[str]:
    """A minimal set of rule names that cannot all hold (assumptions + deletion filter)."""
    b = build_model(instance, days, waits, rules, diagnose=True)
    names = list(b.rule_literals)
    lits = [b.rule_literals[n] for n in names]
    solver, status = solve_model(b, time_limit, 1, seed, assumptions=lits)
    if status != cp_model.INFEASIBLE:
        return []
    core_idx = set(solver.SufficientAssumptionsForInfeasibility())
    core = [n for n in names if b.rule_literals[n].Index() in core_idx]
    # deletion filter: drop each rule whose absence keeps the rest infeasible
    for name in list(core):
        trial = [n for n in core if n != name]
        _, st = solve_model(b, time_limit, 1, seed, assumptions=[b.rule_literals[n] for n in trial])
        if st == cp_model.INFEASIBLE:
            core = trial
    return core


def plain_diagnosis(core: list[str]) -> str:
    if not core:
        return "no roster: the solver proved infeasibility but could not isolate the conflicting rules"
    if len(core) == 1:
        return f"no roster: '{core[0]}' cannot hold"
    return "no roster: " + " and ".join(f"'{n}'" for n in core) + " cannot all hold"


@dataclass
class ModelFactory:
    """Builds the complete roster model (rules, symmetry breaking, objective) on either backend."""

    instance: Instance
    days: list[DayGrid]
    waits: WaitData
    rules: list

    def __call__(self, model=None) -> RosterBuilder:
        b = build_model(self.instance, self.days, self.waits, self.rules, model=model)
        _symmetry_breaking(b, symmetry_groups(b, self.instance))
        b.build_objective()
        return b

    @property
    def shift_options(self) -> int:
        """Employee x day x template choices (at most): the size that decides whether CBC is worth a try."""
        return len(self.instance.staff) * sum(len(day.templates) for day in self.days)


def search_cpsat(built: ModelFactory, instance, time_limit: float, workers: int, seed: int, progress, hint=None):
    """CP-SAT from a warm start (or ``hint``): (model, solver with the roster, solver with the bound, status, seconds)."""
    b = built()
    groups = symmetry_groups(b, instance)
    if hint is not None and len(hint) == len(b.model.Proto().variables):
        # the same builder code made both models, so CBC's k-th variable is CP-SAT's k-th: a complete hint
        for k, value in enumerate(hint):
            b.model.AddHint(b.model.get_int_var_from_proto_index(k), value)
        solver, status = solve_model(b, time_limit, workers, seed, progress)
        return b, solver, solver, status, solver.WallTime()
    deterministic = workers == 1  # one worker repeats exactly: no wall-clock measurement may steer the search
    warm, warm_solver = _warm_start(b, groups, time_limit, seed, deterministic)
    started = time.perf_counter()
    remaining = time_limit - (warm_start_budget(time_limit) if deterministic else warm)
    solver, status = solve_model(b, max(1.0, remaining), workers, seed, progress)
    seconds = time.perf_counter() - started + warm
    bound_solver = solver
    if status == cp_model.UNKNOWN and warm_solver is not None:
        solver, status = warm_solver, cp_model.FEASIBLE  # the warm start is a valid roster: better than none
    return b, solver, bound_solver, status, seconds


def cbc_budget(time_limit: float, workers: int) -> tuple[float, int | None]:
    """CBC's wall-clock limit and, with one worker, a node limit that makes it repeat exactly.

    CBC has no deterministic time; a branch-and-bound node count is the
    nearest thing (about 100 nodes a second of the limit), with the wall clock
    at 4x as a guard against runaways, as for CP-SAT.
    """
    if workers == 1:
        return 4.0 * time_limit, max(100, int(100 * time_limit))
    return time_limit, None


def search_cbc(built: ModelFactory, instance, time_limit: float, workers: int, seed: int, progress):
    """The same model on CBC: (model, solution, solution, status, seconds)."""
    b = built(CbcModel())
    limit, nodes = cbc_budget(time_limit, workers)
    solution = solve_cbc(b.model, limit, workers, max_nodes=nodes)
    return b, solution, solution, solution.status, solution.seconds


CBC_MAX_SHIFT_OPTIONS = 8000


def search_portfolio(built: ModelFactory, instance, time_limit: float, workers: int, seed: int, progress):
    """CBC first (half the limit), then CP-SAT from CBC's roster; the better roster and the better bound.

    Why: on branch rosters CBC's cuts prove bounds CP-SAT's root LP does not
    reach (jiangdong: CBC proves the optimum in 10-35 s, CP-SAT's bound stays
    1.8% below it after 300 s), while CP-SAT (warm start, LNS) is what finds
    rosters on big branches: with 60 staff (20,880 shift options) CBC found
    none in 120 s. So branches above :data:`CBC_MAX_SHIFT_OPTIONS` (jiangdong
    has 3,828) go to CP-SAT alone. An optimum or an infeasibility proved by
    CBC ends the search at once; diagnosis always runs on CP-SAT.
    """
    if built.shift_options > CBC_MAX_SHIFT_OPTIONS:
        return search_cpsat(built, instance, time_limit, workers, seed, progress)
    started = time.perf_counter()
    cb, cbc, _, status, _ = search_cbc(built, instance, 0.5 * time_limit, workers, seed, progress)
    if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        return cb, cbc, cbc, status, time.perf_counter() - started
    # one worker repeats exactly: CBC's share is charged in full, not as measured
    remaining = max(1.0, time_limit - (0.5 * time_limit if workers == 1 else time.perf_counter() - started))
    hint = cb.model.values() if status == cp_model.FEASIBLE else None
    b, solver, bound_solver, cp_status, _ = search_cpsat(built, instance, remaining, workers, seed, progress, hint=hint)
    seconds = time.perf_counter() - started
    bound = _BestBound(max(cbc.BestObjectiveBound() if status == cp_model.FEASIBLE else float("-inf"), bound_solver.BestObjectiveBound()))
    cp_found = cp_status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if status == cp_model.FEASIBLE and (not cp_found or cbc.ObjectiveValue() < solver.ObjectiveValue()):
        return cb, cbc, bound, cp_model.FEASIBLE, seconds
    return b, solver, bound, cp_status, seconds


class _BestBound:
    """The larger of two proven lower bounds, answered like a solver."""

    def __init__(self, value: float):
        self.value = value

    def BestObjectiveBound(self) -> float:  # noqa: N802
        return self.value


SEARCHES = {"cpsat": search_cpsat, "cbc": search_cbc, "portfolio": search_portfolio}
BACKENDS = tuple(SEARCHES)


def solve_roster(
    instance: Instance,
    demand: Demand,
    week_start: dt.date,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    progress: Callable[[float, float, float], None] | None = None,
    headcount: int | None = None,
    extra_certifications: Mapping[str, list[str]] | None = None,
    previous_days: Mapping[str, tuple[bool, ...]] | None = None,
    previous_end: Mapping[str, dt.datetime] | None = None,
    wait_method: str | None = None,
    backend: str = "portfolio",
    diagnose_infeasible: bool = True,
) -> RosterResult:
    """The weekly roster minimising expected waiting + cost + penalties under the hard rules.

    ``backend``: ``"portfolio"`` (default) runs CBC on the model first and
    lets CP-SAT improve from its roster, keeping the better roster and the
    better bound (:func:`search_portfolio`; large branches go to CP-SAT
    alone); ``"cpsat"`` is CP-SAT from a greedy warm start; ``"cbc"`` is the
    same model (same rule objects) on PuLP/CBC, the cross-check. Diagnosis of
    an infeasible week always runs on CP-SAT; ``diagnose_infeasible=False``
    skips it (the answer is then just "infeasible", found much faster).
    """
    if week_start.weekday() != 0:
        raise ValueError("week_start must be a Monday")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    instance = with_certifications(instance, extra_certifications)
    days = plan_days(instance, week_start)
    waits, arrivals = build_waits(instance, demand, days, wait_method or instance.branch.objective.wait_method)
    rules = build_rules(instance, previous_days, previous_end, headcount)
    for role in instance.branch.roles:
        if role.name in waits.busy:
            rules.append(BusyCoverage(name=f"appointments covered for {role.name}", role=role.name, required=waits.busy[role.name]))
    for k, cfg in enumerate(instance.branch.rules):
        if cfg.get("type") == "vip_coverage":
            role = cfg.get("role", "advisory")
            vip = appointments_in_progress(instance, days, vip_only=True).get(role, {})
            rules.append(BusyCoverage(name=cfg.get("name", f"VIP coverage for {role}"), hard=True, role=role, required=vip))
    built = ModelFactory(instance, days, waits, rules)
    b, solver, bound_solver, status, seconds = SEARCHES[backend](built, instance, time_limit, workers, seed, progress)
    name = STATUS.get(status, "unknown")
    empty = pd.DataFrame(columns=ROSTER_COLUMNS)
    if status == cp_model.INFEASIBLE:
        core = diagnose(instance, days, waits, rules, seed=seed) if diagnose_infeasible else []
        return RosterResult("infeasible", empty, solve_seconds=seconds, diagnosis=core,
                            message=plain_diagnosis(core) if diagnose_infeasible else "no roster: the rules cannot all hold (diagnosis not run)",
                            kpis={"status": "infeasible", "solve_seconds": round(seconds, 3), "conflicting_rules": core})
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return RosterResult("time_limit", empty, solve_seconds=seconds,
                            message=f"time limit {time_limit:g} s reached without a roster",
                            kpis={"status": "time_limit", "solve_seconds": round(seconds, 3)})
    objective = solver.ObjectiveValue() / SCALE
    bound = min(bound_solver.BestObjectiveBound() / SCALE, objective)
    gap = abs(objective - bound) / max(abs(objective), 1e-9)
    # role assignment gets a share of the limit that grows with it (0.5-3 s of CP-SAT work per day)
    roster, mismatch = extract_roster(b, solver, instance, seed, per_day_limit=min(3.0, max(0.5, 0.04 * time_limit)))
    coverage, kpis = roster_kpis(instance, demand, days, roster, arrivals, waits)
    penalties = b.penalty_values(solver)
    kpis.update(
        {
            "objective": round(objective, 3),
            "bound": round(bound, 3),
            "gap": round(gap, 6),
            "status": name,
            "backend": backend,
            "solve_seconds": round(seconds, 3),
            "week_start": week_start.isoformat(),
            "penalties": {k: round(v, 3) for k, v in penalties.items() if v},
            "role_assignment_mismatch_slots": mismatch,
        }
    )
    return RosterResult(name, roster, objective, bound, gap, seconds, kpis, coverage)


def extract_roster(b: RosterBuilder, solver, instance: Instance, seed: int, per_day_limit: float = 3.0) -> tuple[pd.DataFrame, int]:
    """Solver values -> long roster rows (one per block of one role)."""
    block = max(1, instance.branch.shift_rules.min_role_block_minutes // instance.branch.slot_minutes)
    rows, mismatch = [], 0
    for d, day in enumerate(b.days):
        people, shifts = [], {}
        for i, e in enumerate(b.employees):
            chosen = [t for t, var in b.x[i, d].items() if solver.Value(var)]
            if chosen:
                tpl = day.templates[chosen[0]]
                shifts[e.id] = tpl
                people.append((e.id, e.roles, tpl.slots))
        if not people:
            continue
        targets = {(c, s, r): solver.Value(v) for (c, dd, s, r), v in b.y.items() if dd == d}
        roles_of, dev = assign_day(people, targets, block, seed, minimums=minimums_of_day(b, d), maximums=maximums_of_day(b, d),
                                   wait_values=b.wait_values(d), time_limit=per_day_limit)
        mismatch += dev
        open_m = minutes_of(day.slots[0])
        slot = instance.branch.slot_minutes
        block_row = lambda pid, a, b, role: (pid, day.date.isoformat(), hhmm(open_m + a * slot), hhmm(open_m + b * slot), role)  # noqa: E731
        for pid, _, slots in people:
            for part in shift_parts(slots):
                run_start, run_role = part[0], roles_of[pid, part[0]]
                for s in part[1:]:
                    if roles_of[pid, s] != run_role:
                        rows.append(block_row(pid, run_start, s, run_role))
                        run_start, run_role = s, roles_of[pid, s]
                rows.append(block_row(pid, run_start, part[-1] + 1, run_role))
    frame = pd.DataFrame(rows, columns=ROSTER_COLUMNS).sort_values(["date", "employee", "start"], kind="stable")
    return frame.reset_index(drop=True), mismatch


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


def roster_kpis(instance, demand, days, roster, arrivals, waits) -> tuple[pd.DataFrame, dict]:
    """Coverage table and KPIs of the roster as produced (not as the solver assumed)."""
    branch = instance.branch
    slot = branch.slot_minutes
    rows, per_role = [], {}
    for role in branch.roles:
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
            curve = wait_curve(arr, aht, role.patience_minutes, max(int(free.max(initial=0)), 1), slot, branch.objective.wait_method)
            minutes = curve[np.arange(len(arr)), free]
            w = np.where(arr > 0, minutes / np.maximum(arr, 1e-12), 0.0)
            if role.patience_minutes is None:
                sl = np.where(arr > 0, service_level(lam * aht, free, aht, role.wait_target_minutes), 1.0)
            else:
                sl = np.where(arr > 0, erlang_a(lam, aht, role.patience_minutes, free).service_level(role.wait_target_minutes), 1.0)
            for s, t in enumerate(day.slots):
                rows.append((day.date.isoformat(), f"{t:%H:%M}", role.name, round(float(arr[s]), 3), int(busy[s]), int(n[s]), float(w[s]), float(sl[s])))
            total_arr += arr.sum()
            total_wait += float(minutes.sum())
            served_in_target += float((arr * sl).sum())
        per_role[role.name] = {
            "arrivals": round(total_arr, 1),
            "expected_wait_minutes": round(total_wait / total_arr, 3) if total_arr else 0.0,
            "service_level": round(served_in_target / total_arr, 4) if total_arr else 1.0,
            "customer_minutes_waited": round(total_wait, 1),
        }
    coverage = pd.DataFrame(rows, columns=["date", "slot_start", "role", "arrivals", "appointments", "rostered", "expected_wait", "service_level"])
    cost = 0.0
    for row in roster.itertuples():
        minutes = minutes_of(dt.time.fromisoformat(row.end)) - minutes_of(dt.time.fromisoformat(row.start))
        cost += minutes / 60 * instance.employee(row.employee).contract.cost_per_hour
    return coverage, {"cost": round(cost, 2), "roles": per_role, "hours": round(float(sum(
        minutes_of(dt.time.fromisoformat(e)) - minutes_of(dt.time.fromisoformat(s)) for s, e in zip(roster["start"], roster["end"])) / 60), 2)}
