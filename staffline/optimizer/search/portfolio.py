"""How a built roster model is searched: CP-SAT from a warm start, CBC, or both (portfolio).

Every search takes a :class:`ModelFactory` (the complete model, buildable on
either backend from the same rule objects) and returns ``(model, solver with
the roster, solver with the bound, status, seconds)``; solvers are CP-SAT
``CpSolver`` objects or :class:`~staffline.optimizer.core.cbc_backend.CbcSolution`,
which answer the same questions. ``solve_roster`` picks one by ``backend``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

import pulp
from ortools.sat.python import cp_model

from staffline.deadline import Deadline
from staffline.model import Instance
from staffline.optimizer.core.branch_model import DayGrid, RosterBuilder, WaitData
from staffline.optimizer.core.cbc_backend import ROSTER_OPTIONS, CbcModel, solve_cbc
from staffline.optimizer.core.cpsat_backend import ProvenBound, close_enough, configure, solve_model
from staffline.optimizer.core.shift_model import SCALE
from staffline.optimizer.search.neighbourhood import SharedIncumbent, improve, incumbent_of
from staffline.optimizer.search.relaxed_bound import personal_bound
from staffline.optimizer.search.staffing_bound import StaffingBound, staffing_bound
from staffline.optimizer.search.warm_start import add_hint, greedy_roster

log = logging.getLogger(__name__)


def symmetry_groups(b: RosterBuilder, instance: Instance) -> list[list[int]]:
    """Interchangeable employees: same certificates and contract, no personal rules.

    A rule that treats some employees apart (an absence, a kept or published
    shift when re-planning) lists their indices in ``personal_to``.
    """
    personal = {r.employee for r in instance.requests} | {e.id for e in instance.staff if e.unavailable}
    personal |= {b.employees[i].id for rule in b.rules for i in getattr(rule, "personal_to", ())}
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


def warm_start(
    b: RosterBuilder,
    groups: list[list[int]],
    time_limit: float,
    seed: int,
    deterministic: bool,
    wall_limit: float | None = None,
    chosen: dict | None = None,
    budget: float | None = None,
    stop_at_first: bool = False,
):
    """Hint a complete starting roster: greedy shifts (or ``chosen``: (employee, day) -> template), then the best roles for them.

    Returns the seconds spent and, when the greedy shifts admit a roster, the
    solver that holds it (variable indices are the same in the clone), so the
    caller can fall back to it if the main search finds nothing in time.

    The greedy shifts alone are a partial hint, which CP-SAT often fails to
    complete on big branches; solving the model with the shifts fixed (a small
    problem: only role counts remain) yields a value for every variable, and a
    complete feasible hint becomes CP-SAT's first solution at once.
    ``budget`` overrides the seconds that completion gets; ``stop_at_first`` stops
    it at its first roster (a search that improves roles itself needs no
    optimal role split: at 150 staff that saved the LP's dive, half of it).
    ``deterministic`` runs it on CP-SAT's deterministic time, so a
    one-worker run repeats exactly; otherwise the wall clock also caps it at
    the budget. ``wall_limit`` (what is left of the search's time) guards both.
    """
    started = time.perf_counter()
    budget = warm_start_budget(time_limit) if budget is None else budget
    starts = [dict(chosen)] if chosen is not None else [*kept_shifts(b), None]
    first = None
    for start in starts:
        shifts = _symmetric(b, groups, greedy_roster(b) if start is None else start)
        first = shifts if first is None else first
        fixed = b.with_shifts_fixed(shifts)
        solver = cp_model.CpSolver()
        configure(solver, budget, 1, seed, wall_limit=wall_limit if deterministic else min(budget, wall_limit or budget))
        solver.parameters.stop_after_first_solution = stop_at_first
        status = solver.Solve(fixed)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            hint = b.model.proto.solution_hint  # the clone numbers its variables as the model does: a complete hint
            hint.vars.extend(range(len(b.model.proto.variables)))
            hint.values.extend(solver.ResponseProto().solution)
            return time.perf_counter() - started, solver
    add_hint(b, first or {})
    return time.perf_counter() - started, None


def kept_shifts(b: RosterBuilder) -> list[dict[tuple[int, int], int]]:
    """Re-planning's published shifts, where every rule still allows them, as a first start (none when not re-planning).

    Why: a re-plan from greedy shifts is a fresh roster until the search has
    walked back to the published one; with a 6 s limit on jiangdong it moved
    50 of 55 person-days. Starting from the published roster (minus what an
    absence or the frozen past now forbids) begins where the change penalty
    is zero.
    """
    if not b.preferred:
        return []
    kept = {(i, d): t for (i, d), t in b.preferred.items() if t is not None and t in b.allowed(i, d)}
    return [{**kept, **{key: t for key, t in b.required.items() if t is not None}}]  # what a rule imposes stays


def _symmetric(b: RosterBuilder, groups: list[list[int]], chosen: dict) -> dict:
    """``chosen`` reordered within each group of interchangeable employees: more hours first, as symmetry breaking wants."""
    chosen = dict(chosen)
    n_days = len(b.days)
    for members in groups:
        plans = [{d: chosen.get((i, d)) for d in range(n_days)} for i in members]
        minutes = lambda plan: sum(b.days[d].templates[t].paid_minutes for d, t in plan.items() if t is not None)  # noqa: E731
        plans.sort(key=minutes, reverse=True)
        for i, plan in zip(members, plans):
            for d, t in plan.items():
                chosen.pop((i, d), None)
                if t is not None:
                    chosen[i, d] = t
    return chosen


def build_model(instance, days, waits, rules, diagnose=False, model=None, block_cuts=True) -> RosterBuilder:
    """The roster model with every rule; ``model`` = a :class:`CbcModel` builds it for CBC (``block_cuts``: see :class:`RosterBuilder`)."""
    b = RosterBuilder(instance, days, waits, diagnose=diagnose, model=model, block_cuts=block_cuts)
    b.add_rules(rules)
    return b


@dataclass
class ModelFactory:
    """Builds the complete roster model (rules, symmetry breaking, objective) on either backend.

    ``deadline`` (set by the caller with a run to finish) is when the search
    must stop on the wall clock whatever its ``time_limit``: a one-worker
    search gets a deterministic limit that cannot depend on measured time,
    so the run's deadline reaches it here.
    """

    instance: Instance
    days: list[DayGrid]
    waits: WaitData
    rules: list
    deadline: Deadline | None = None
    # what the search may take back of role assignment's reserve, given the people on duty each day of its first
    # roster (set by the roster's caller, which knows role assignment: optimizer.roster.spared_role_seconds)
    spare_role_time: Callable[[list[int]], float] | None = None

    def wall(self, clock: Deadline | None) -> float | None:
        """Wall seconds a solve may take now: what is left of ``clock`` and of the run's deadline (None: no wall limit).

        A deterministic (one-worker) search passes no ``clock``: its own
        limit is deterministic time, and only the run's deadline stops it on
        the wall clock.
        """
        left = [x.remaining() for x in (clock, self.deadline) if x is not None]
        return min(left) if left else None

    def __call__(self, model=None, block_cuts: bool = True) -> RosterBuilder:
        b = build_model(self.instance, self.days, self.waits, self.rules, model=model, block_cuts=block_cuts)
        _symmetry_breaking(b, symmetry_groups(b, self.instance))
        b.build_objective()
        return b

    @property
    def shift_options(self) -> int:
        """Employee x day x template choices (at most): the size that decides whether CBC is worth a try."""
        return len(self.instance.staff) * sum(len(day.templates) for day in self.days)


def search_cpsat(built: ModelFactory, instance, time_limit: float, workers: int, seed: int, progress, hint=None, known_bound=None):
    """CP-SAT from a warm start (or ``hint``): (model, solver with the roster, solver with the bound, status, seconds).

    With a ``hint`` (CBC's roster), ``known_bound`` is CBC's proven bound: the
    search stops once its roster is close enough to it (:func:`close_enough`).

    ``time_limit`` covers everything here, building the model included: the
    wall clock stops each solve at what is left of it (one worker: on top of
    the deterministic limit, see :func:`configure`).
    """
    clock = Deadline(time_limit)
    b = built()
    groups = symmetry_groups(b, instance)
    if hint is not None and len(hint) == len(b.model.Proto().variables):
        # the same builder code made both models, so CBC's k-th variable is CP-SAT's k-th: a complete hint
        for k, value in enumerate(hint):
            b.model.AddHint(b.model.get_int_var_from_proto_index(k), value)
        solver, status = solve_model(b, clock.remaining(), workers, seed, progress, wall_limit=built.wall(clock), known_bound=known_bound)
        return b, solver, solver, status, clock.elapsed()
    deterministic = workers == 1  # one worker repeats exactly: no wall-clock measurement may steer the search
    wall_clock = None if deterministic else clock
    big = built.shift_options > LNS_MIN_SHIFT_OPTIONS
    # big: the completion stops at its first roster, so a larger budget only matters when that roster is slow to come
    # (150 staff under load 4.5 needed more than the 15% share and the run ended without a roster)
    budget = FIRST_ROSTER_SHARE * time_limit if big else None
    _, warm_solver = warm_start(b, groups, time_limit, seed, deterministic, built.wall(wall_clock), budget=budget, stop_at_first=big)
    if big and warm_solver is not None:
        return search_neighbourhoods(b, warm_solver, built, clock, time_limit, workers, seed, progress)
    # deterministic: the same work units whatever the machine's load (the wall clock only guards the deadline)
    remaining = max(1.0, time_limit - warm_start_budget(time_limit)) if deterministic else clock.remaining()
    solver, status = solve_model(b, remaining, workers, seed, progress, wall_limit=built.wall(wall_clock))
    seconds = clock.elapsed()
    bound_solver = solver
    if status == cp_model.UNKNOWN and warm_solver is not None:
        solver, status = warm_solver, cp_model.FEASIBLE  # the warm start is a valid roster: better than none
    return b, solver, bound_solver, status, seconds


LNS_MIN_SHIFT_OPTIONS = 8000  # the size from which the neighbourhood search runs beside CP-SAT (docs/benchmarks.md, "Roster at scale")
FIRST_ROSTER_SHARE = 0.5  # the most of the limit the completion of the warm start may take on a big model (it stops at its first roster)
RELAXED_BOUND_SHARE = 0.02  # of the limit, in deterministic seconds (at least 1), for the bound without the rules that link people
# The staffing LP's share of the search's wall time, the rest kept for the relaxation's bound should the LP not end
# (it ends in 5-25 s at 60-300 staff idle). Until stop 53 the relaxation ran first, before every search: 4.6 s of a
# 60 s run at 60 staff, on one core, for 10,368 where the LP gave 13,240 seven seconds later.
STAFFING_LP_SHARE = 0.8
# the LP with desk changes (staffing_bound's desk_changes) took 1-3x the plain LP's time (idle: 60 staff 4 roles
# 5.3 -> 11.5 s, 5 roles 11.4 -> 35.4 s, 6 roles 14.0 -> 27.6 s; 300 staff 25.5 -> 25.9 s), and runs beside the searches:
# it starts only when this many times the plain LP's time is left (2.5: at 150 staff, 5 roles, 120 s it ran 53.6 s
# shared and did not finish)
TIGHTER_LP_TIME_RATIO = 4
LNS_SHARE_ONE_WORKER = 0.75  # one worker: the neighbourhoods' share of the deterministic time; the full model (the bound) gets the rest


def search_neighbourhoods(
    b: RosterBuilder, start, built: ModelFactory, clock: Deadline, time_limit: float, workers: int, seed: int, progress
):
    """The neighbourhood search from the warm start's roster, on every core; the bound from relaxations.

    Why: the neighbourhoods improve big rosters far faster than CP-SAT's
    generic LNS (:mod:`~staffline.optimizer.search.neighbourhood`), but only
    relaxations prove a bound. With several workers it is the grouped
    staffing LP's (:mod:`~staffline.optimizer.search.staffing_bound`),
    which CLP solves in its own process (7-23 s at 60-300 staff, idle) on a
    core of its own; only when the LP gives none is it the bound of the
    relaxation without the rules that link people
    (:mod:`~staffline.optimizer.search.relaxed_bound`), which one worker
    always takes.

    With several workers, neighbourhood searches share one incumbent, one a
    core (threads: CP-SAT frees the GIL); the LP's core joins them once the
    LP is solved. Until stop 43 that core ran CP-SAT on the full model
    instead, for its bound and its own search; at 60-300 staff its bound is
    far below the LP's. A second search instead took the 60-staff roster at
    60 s from 13,544 to 13,503 (kinds drawn by success then to 13,454-13,505,
    docs/benchmarks.md). Only when the LP gives no bound (no CBC binary, or it
    failed) does the full model run on that core, for a bound.

    Once the plain LP is solved, CLP solves it again with desk changes
    priced, in its own process beside the searches, when
    :data:`TIGHTER_LP_TIME_RATIO` times the plain LP's time is left: on the
    60-staff week the bound rises by 120 (0.9%). Both LPs stop at the
    barrier's optimum, without the crossover
    (:func:`~staffline.optimizer.search.lp_bound.clp_bound`); until stop
    51 the second one restarted from the plain LP's basis, which at 5-6
    roles took 130-285 s. The searches' wall time
    includes what role assignment will not need of its reserve
    (:attr:`ModelFactory.spare_role_time`).

    With one worker (repeatable) the neighbourhoods get
    :data:`LNS_SHARE_ONE_WORKER` of the deterministic time, then the full
    model, hinted with their roster, the rest; the better roster wins.
    """
    bound = [0.0]
    shown = [float("inf")]

    def show(objective: float) -> None:
        if progress is not None and objective < shown[0]:
            shown[0] = objective
            progress(clock.elapsed(), objective, bound[0])

    def full_progress(_wall: float, objective: float, best_bound: float) -> None:
        bound[0] = max(bound[0], best_bound)
        show(objective)

    show(start.ObjectiveValue() / SCALE)  # the warm start is a roster: the first one
    # 300 staff at 300 s once reported 6,803 where one second of it gave 50,436 offline (likely cut before its root LP)
    relaxed_seconds = max(1.0, RELAXED_BOUND_SHARE * time_limit)

    def relaxed_bound(wall_limit: float | None) -> float:
        """The bound without the rules that link people (scaled), shown as the bound so far."""
        value = personal_bound(b, relaxed_seconds, seed, wall_limit=wall_limit)
        bound[0] = max(bound[0], value / SCALE)
        return value

    if workers == 1:
        relaxed = relaxed_bound(built.wall(None))
        used = start.ResponseProto().deterministic_time  # deterministic: the completion's work, not its wall time
        left = max(1.0, time_limit - used - relaxed_seconds)
        inc, _ = improve(b, start, seed, LNS_SHARE_ONE_WORKER * left, deadline=built.deadline, progress=lambda i: show(i.objective / SCALE))
        hint_all(b, inc.values)
        full, status = solve_model(b, max(1.0, (1 - LNS_SHARE_ONE_WORKER) * left), 1, seed, full_progress, wall_limit=built.wall(None))
    else:
        found: dict = {}
        best = SharedIncumbent(incumbent_of(start), lambda i: show(i.objective / SCALE))
        # the search's wall time, and what role assignment will not need of its reserve with rosters like the first
        spared = built.spare_role_time(people_on_duty(b, start)) if built.spare_role_time else 0.0
        lns_deadline = Deadline((built.wall(clock) or 0.0) + spared)

        def neighbourhoods(worker: int) -> None:
            improve(
                b, best, seed + worker, float("inf"), deadline=lns_deadline, guide=lambda: found["lp"].on_duty if "lp" in found else None
            )

        def desk_change_bound(plain: StaffingBound) -> None:
            """The LP again with desk changes priced, in CLP's process beside the searches; a tighter bound when it ends in time."""
            left = lns_deadline.remaining()
            if left < TIGHTER_LP_TIME_RATIO * plain.result.seconds:
                return
            try:
                found["desk"] = staffing_bound(b, left, desk_changes=True)
            except (OSError, pulp.PulpSolverError) as error:
                log.warning("staffing LP bound with desk changes skipped: %s", error)
                return
            if found["desk"].result.optimal:
                bound[0] = max(bound[0], found["desk"].result.bound / SCALE)

        def staffing_then_search() -> None:
            try:  # the LP leaves time for the fallback's bound below
                found["lp"] = staffing_bound(b, STAFFING_LP_SHARE * (built.wall(clock) or clock.remaining()))
            except (OSError, pulp.PulpSolverError) as error:  # no CBC binary, or it failed: the bound is an extra, never the run's end
                log.warning("staffing LP bound skipped: %s", error)
                found["lp"] = StaffingBound.none()
            if found["lp"].result.optimal:
                bound[0] = max(bound[0], found["lp"].result.bound / SCALE)
                tighter = threading.Thread(target=desk_change_bound, args=(found["lp"],), daemon=True)
                tighter.start()
                neighbourhoods(workers - 1)  # the LP's core joins the neighbourhoods
                tighter.join()
            else:  # no LP bound: the relaxation's instead, then the full model proves what it can
                found["personal"] = relaxed_bound(built.wall(clock))
                found["full"] = solve_model(b, clock.remaining(), 1, seed, full_progress, wall_limit=built.wall(clock))

        threads = [threading.Thread(target=staffing_then_search, daemon=True)]
        threads += [threading.Thread(target=neighbourhoods, args=(worker,), daemon=True) for worker in range(1, workers - 1)]
        for thread in threads:
            thread.start()
        neighbourhoods(0)
        for thread in threads:
            thread.join()
        inc = best.best
        full, status = found.get("full", (None, cp_model.UNKNOWN))
        relaxed = max(
            found.get("personal", -math.inf), found["lp"].result.bound, found["desk"].result.bound if "desk" in found else -math.inf
        )
    seconds = clock.elapsed()
    proven = ProvenBound(relaxed if full is None else max(full.BestObjectiveBound(), relaxed))
    if full is not None and (status == cp_model.OPTIMAL or (status == cp_model.FEASIBLE and full.ObjectiveValue() < inc.objective)):
        return b, full, proven, status, seconds
    return b, inc.solver, proven, cp_model.FEASIBLE, seconds


def people_on_duty(b: RosterBuilder, solver: cp_model.CpSolver) -> list[int]:
    """How many people work each day in ``solver``'s roster."""
    return [sum(solver.Value(b.works[i, d]) for i in range(len(b.employees)) if (i, d) in b.works) for d in range(len(b.days))]


def hint_all(b: RosterBuilder, values: list[int]) -> None:
    """Replace the model's hint with ``values`` for every variable (a complete roster: CP-SAT's first solution)."""
    b.model.ClearHints()
    proto = b.model.proto
    proto.solution_hint.vars.extend(range(len(values)))
    proto.solution_hint.values.extend(values)


def cbc_budget(time_limit: float, workers: int) -> tuple[float, int | None]:
    """CBC's wall-clock limit and, with one worker, a node limit (about 100 nodes a second of the limit).

    CBC has no deterministic time. A one-worker CBC run repeats exactly when
    it ends by proving optimality or by the node limit, not when the wall
    clock stops it (its root cuts and heuristics count no nodes), so the wall
    clock is the user's limit itself rather than a multiple of it.
    """
    return time_limit, (max(100, int(100 * time_limit)) if workers == 1 else None)


def search_cbc(
    built: ModelFactory,
    instance,
    time_limit: float,
    workers: int,
    seed: int,
    progress,
    kill_after: float | None = None,
    threads: int | None = None,
):
    """The same model on CBC: (model, solution, solution, status, seconds); building the model counts.

    ``kill_after``: the seconds after which CBC's process is ended whatever
    it is doing (see :func:`solve_cbc`), counted from here. ``threads``:
    CBC's threads (default ``workers``), for a portfolio that keeps a core
    for its own search.
    """
    clock = Deadline(time_limit)
    b = built(CbcModel())
    _, nodes = cbc_budget(time_limit, workers)
    kill = None if kill_after is None else kill_after - clock.elapsed()
    if built.deadline is not None:  # never past the run's deadline
        kill = min(built.deadline.remaining(), kill if kill is not None else float("inf"))
    solution = solve_cbc(b.model, built.wall(clock) or 0.0, threads or workers, max_nodes=nodes, options=ROSTER_OPTIONS, kill_after=kill)
    return b, solution, solution, solution.status, clock.elapsed()


CBC_MAX_SHIFT_OPTIONS = 8000
CBC_SHARE = 0.5  # of the portfolio's limit: CBC's own time limit
# CBC past its limit still hands over a roster, but its process is ended at this share of the limit: on generated
# 10-20 staff branches with 3-5 roles its root took 40-45 s of a 60 s run and gave nothing (2-core machine), and those
# seconds are the neighbourhoods' (docs/benchmarks.md, "Small branches of other shapes")
CBC_KILL_SHARE = 0.6
CBC_MIN_SECONDS = 2.0  # CBC's share of the limit below which it is skipped (writing the model and starting CBC take about a second)


def search_portfolio(built: ModelFactory, instance, time_limit: float, workers: int, seed: int, progress):
    """CBC (half the limit) beside the neighbourhood search, then CP-SAT from CBC's roster or the neighbourhoods from theirs.

    One-worker runs are CP-SAT alone: they promise a repeatable roster, and
    CBC has no deterministic clock (on a five-staff week its root cuts and
    heuristics took 8 s and 6 nodes, so the wall clock, not the node limit,
    decided where it stopped, and the roster changed from run to run).

    Why: on branch rosters CBC's cuts prove bounds CP-SAT's root LP does not
    reach (jiangdong: CBC proves the optimum in 10-35 s, CP-SAT's bound stays
    1.8% below it after 300 s), while CP-SAT (warm start, LNS) is what finds
    rosters on big branches: with 60 staff (20,880 shift options) CBC found
    none in 120 s. So branches above :data:`CBC_MAX_SHIFT_OPTIONS` (jiangdong
    has 3,828) go to CP-SAT alone, and so do searches whose half limit is
    under :data:`CBC_MIN_SECONDS`. An optimum or an infeasibility proved by
    CBC ends the search at once; diagnosis always runs on CP-SAT.

    CBC runs on all cores but one; on that one CP-SAT finds a first roster
    and the neighbourhood search improves it until CBC is back
    (:func:`first_roster_improved`). When CBC's roster is close enough to
    its bound it stands; when it is better than the neighbourhoods' CP-SAT
    goes on from it; else (no roster, or a worse one) the neighbourhoods go
    on from theirs on every core (:func:`search_neighbourhoods`), and the
    bound is the best of CBC's and the relaxations'. Why: on generated
    10-20 staff branches with 3-5 roles (3,480-6,960 shift options, 6-10
    certification classes; a 2-core machine 2.3x slower than the one the
    size thresholds were set on) CBC ran 40-45 s of a 60 s run with no
    roster or a poor one, often without a bound, and CP-SAT from the first
    roster then wrote rosters 18-100% above the bound; now 3.0-5.7%, while
    jiangdong, which CBC proves, stays at 0.58%.
    """
    if built.shift_options > CBC_MAX_SHIFT_OPTIONS or workers == 1 or CBC_SHARE * time_limit < CBC_MIN_SECONDS:
        return search_cpsat(built, instance, time_limit, workers, seed, progress)
    clock = Deadline(time_limit)
    early: dict = {}
    cbc_back = threading.Event()
    beside = threading.Thread(
        target=lambda: early.update(first_roster_improved(built, instance, clock, seed, progress, cbc_back)), daemon=True
    )
    beside.start()
    # CBC late at its own limit still hands over a roster, until its process is ended at CBC_KILL_SHARE of the limit
    cb, cbc, _, status, _ = search_cbc(
        built,
        instance,
        CBC_SHARE * time_limit,
        workers,
        seed,
        progress,
        kill_after=CBC_KILL_SHARE * time_limit,
        threads=max(1, workers - 1),
    )
    cbc_back.set()
    beside.join()
    first_b, first = early.get("roster", (None, None))
    if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        return cb, cbc, cbc, status, clock.elapsed()
    # CBC's bound holds with or without its roster (a run stopped before its first one keeps its root cuts' bound)
    known = cbc.BestObjectiveBound() if cbc.bound is not None else None
    if status == cp_model.FEASIBLE and known is not None and close_enough(cbc.ObjectiveValue(), known):
        return cb, cbc, cbc, cp_model.FEASIBLE, clock.elapsed()  # CP-SAT could close the last hundredths; role assignment gains more
    lns = early.get("improved")
    if lns is not None and (status != cp_model.FEASIBLE or lns.objective < round(cbc.ObjectiveValue())):
        # CBC's roster is worse than the neighbourhoods' (or it has none): they go on from theirs on every core
        b, solver, proven, _, _ = search_neighbourhoods(first_b, lns.solver, built, clock, clock.remaining(), workers, seed, progress)
        bound = ProvenBound(max(proven.BestObjectiveBound(), known if known is not None else -math.inf))
        return b, solver, bound, cp_model.FEASIBLE, clock.elapsed()
    hint = cb.model.values() if status == cp_model.FEASIBLE else None
    if hint is None and first is not None:
        hint = list(first.ResponseProto().solution)  # CP-SAT's first roster (a complete hint), as it would begin from it anyway
    b, solver, bound_solver, cp_status, _ = search_cpsat(
        built, instance, clock.remaining(), workers, seed, progress, hint=hint, known_bound=known
    )
    seconds = clock.elapsed()
    bound = ProvenBound(max(cbc.BestObjectiveBound(), bound_solver.BestObjectiveBound()))
    cp_found = cp_status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if status == cp_model.FEASIBLE and (not cp_found or cbc.ObjectiveValue() < solver.ObjectiveValue()):
        return cb, cbc, bound, cp_model.FEASIBLE, seconds
    if not cp_found and first is not None:  # CBC overran into CP-SAT's time, and neither has a roster: the first one stands
        return first_b, first, bound, cp_model.FEASIBLE, seconds
    return b, solver, bound, cp_status, seconds


def first_roster_improved(built: ModelFactory, instance, clock: Deadline, seed: int, progress, stop: threading.Event) -> dict:
    """Beside CBC: CP-SAT's first roster (:func:`first_roster`), then the neighbourhood search from it until ``stop`` is set.

    Returns ``{"roster": (model, solver of the first roster)}`` and, when
    there was one, ``"improved"``: the neighbourhoods' best
    :class:`~staffline.optimizer.search.neighbourhood.Incumbent`.
    """
    b, solver = first_roster(built, instance, clock, seed, progress)
    found: dict = {"roster": (b, solver)}
    if solver is not None and not stop.is_set():
        show = None if progress is None else (lambda inc: progress(clock.elapsed(), inc.objective / SCALE, 0.0))
        found["improved"], _ = improve(b, solver, seed, float("inf"), deadline=clock, stop=stop, progress=show)
    return found


def first_roster(built: ModelFactory, instance, clock: Deadline, seed: int, progress=None):
    """CP-SAT's first roster from the greedy shifts, found beside CBC: (model, solver holding it, or None).

    Why: CBC finds its first jiangdong roster after 8-12 s, and CBC past its
    half of the time may run on (until stop 52, to the end of the search). A 20 s
    plan under load (forecast 5-8 s) gave CBC 4 s; it ran 10 s without a
    roster, CP-SAT was left nothing, and the run ended without a roster
    (twice in two runs). This roster (stopped at CP-SAT's first, about 1 s on
    jiangdong idle; :func:`warm_start_budget` at most) is the fallback
    then, and CP-SAT's start when CBC has none. It runs in a thread beside
    CBC's process rather than before it: taking its second from CBC left
    CBC's root cuts unfinished at a 20 s limit, and the run without a bound.
    """
    b = built()
    _, solver = warm_start(b, symmetry_groups(b, instance), clock.limit, seed, False, built.wall(clock), stop_at_first=True)
    if solver is not None and progress is not None:
        progress(clock.elapsed(), solver.ObjectiveValue() / SCALE, 0.0)
    return b, solver


SEARCHES = {"cpsat": search_cpsat, "cbc": search_cbc, "portfolio": search_portfolio}
BACKENDS = tuple(SEARCHES)
