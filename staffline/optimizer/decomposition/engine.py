"""Solving a shift-cover roster by decomposition: column generation, a dive, then CP-SAT on the full model.

Why three phases (measured on the Curtois-Qu instances, 2 cores): the
full CP-SAT model finds rosters at once but its bound is near zero and it
stalls 10-60% above the best-known values; the column-generation LP
(:mod:`~staffline.optimizer.decomposition.column_generation`) gives bounds within a few
tenths of a percent of the optimum, and diving in it (fixing the heaviest
assignments, re-pricing the rest, backing out of a step that raises the
LP by more than 1%) finds rosters near that bound, and later dives from
the same root with other step sizes find others (:func:`_dives` keeps the
cheapest); CP-SAT on the full model, hinted with the best roster, then
repairs what the dive left.
A fourth, :mod:`~staffline.optimizer.decomposition.best_response` (each employee's exact
best schedule against everybody else's, by the pricing DP, and forced
moves), runs before the polish when the roster is a greedy one (the LP had
not converged: CP-SAT stalls far above the bound there; Instance13 5646
against 7262 without it, Instance17 6241 against 6915). A dive's roster
goes to the polish alone: responses after the polish found nothing on
Instances 7, 8 and 12 and only took the polish's time.

When GLOP cannot solve the master LP (:class:`~staffline.optimizer.decomposition.column_generation.MasterLpError`,
after its own retries), column generation ends where it is: the cheapest
dive roster so far, else each employee's cheapest priced schedule, else the
full model's first roster goes on to the best responses and the polish, so
a solver failure costs quality, never the run.

It applies when every rule either belongs to one employee (``rule.employee``)
or is a :class:`~staffline.constraints.shift_type_rules.ShiftCover`
(:func:`decomposable`); branch rosters, whose coupling is wait per slot and
role, keep the compact search.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ortools.sat.python import cp_model

from staffline.constraints.shift_type_rules import ShiftCover
from staffline.optimizer.core.shift_model import SCALE, ShiftModel
from staffline.optimizer.decomposition.best_response import BestResponseSearch
from staffline.optimizer.decomposition.column_generation import (
    CgStats,
    Column,
    ColumnMaster,
    CoverMaster,
    CoverRow,
    Deadline,
    MasterLpError,
    dive_cells,
    generate,
    make_pricer,
    price_missing,
    seed_columns,
    split_rules,
)
from staffline.optimizer.decomposition.gap_search import RootPrices, root_prices
from staffline.optimizer.decomposition.neighbourhood import NeighbourhoodSearch

ROOT_SHARE = 0.45  # of the time limit for the root LP (it usually converges well before)
DIVE_SHARE = 0.85  # the dive must end by then; the rest is the CP-SAT polish
DIVE_FIX_SHARE = 0.4  # of the fractional assignments fixed per dive step (0.25 ran out of time on Instance12)
REDIVE_SHARES = (0.3, 0.5, 0.35, 0.45, 0.4)  # later dives, in turn: each share ends in another roster (0.2: far worse)
REDIVE_SHARE = 0.4  # later dives must end by this share of the time limit (the polish keeps the rest)
REDIVE_PATIENCE = 3  # later dives end after this many in a row found nothing cheaper (Instance6: 1952 each time, the polish needs the time)
REDIVE_CAP = 3.0  # a later dive may take this many times the first dive's seconds (Instance8's second took 35 s for a worse roster)
DIVE_ROUNDS = 4  # pricing rounds after each dive step (8 or until convergence: the dive ran out of time)
DIVE_MAX_RISE = 0.01  # a dive step that raises the LP by more than this share is undone and retried with half the fixings
COMPACT_SHARE = 0.1  # the full model's own search ends by then: it takes a core from pricing (see solve_decomposed)
DIVE_GAP = 0.01  # a root LP this close to its bound is dived in even if pricing still finds columns
ROOT_EXTEND_GAP = 0.1  # a root LP this close to its bound at ROOT_SHARE may price on until ROOT_EXTEND_SHARE (see solve_decomposed)
ROOT_EXTEND_SHARE = 0.6
COMPLETION_SECONDS = 5.0  # a first try at completing a roster into the full model (see _complete)
RESPONSE_SHARE = 0.5  # of the time left for best responses when they come first (see _responses_first), before CP-SAT's polish
RESPONSE_GAP = 0.05  # a dive's roster further than this share above the bound also gets best responses first
NEIGHBOURHOOD_MARGIN = 2.0  # seconds before the limit the neighbourhood search must end: its roster is completed and compared after it
NEIGHBOURHOOD_MIN_SECONDS = 3.0  # it does not start with less time than this before its end


def decomposable(rules: Sequence) -> bool:
    return all(isinstance(rule, ShiftCover) or hasattr(rule, "employee") for rule in rules)


@dataclass
class DecompositionResult:
    solution: list[int] | None  # a value for every variable of b.model
    objective: int | None  # scaled, as CP-SAT reports it
    bound: float  # a proven lower bound, value units
    stats: dict = field(default_factory=dict)


def objective_floor(model: cp_model.CpModel, bound: float) -> float:
    """The cheapest objective value (scaled, as CP-SAT reports it) any solution can have, given a proven ``bound`` (value units).

    Why not ``ceil(bound * SCALE)``: objective values lie on a grid, the
    offset plus multiples of the coefficients' greatest common divisor; the
    Curtois objective moves in whole points (100 scaled units). Instance14's
    dive reached 1278 with a bound of 1277.455, which proves it optimal, yet
    at 1/100 precision the polish went on for the rest of the 60 s.
    """
    objective = model.proto.objective
    step = objective_step(model)
    if step == 0:  # no terms: every solution costs the offset
        return objective.offset
    if not math.isfinite(bound):
        return bound * SCALE
    return objective.offset + math.ceil((bound * SCALE - objective.offset) / step - 1e-6) * step


def objective_step(model: cp_model.CpModel) -> int:
    """The grid objective values move on (scaled): the greatest common divisor of the objective's coefficients (0: no terms)."""
    return math.gcd(*(abs(int(c)) for c in model.proto.objective.coeffs))


def _near_converged(stats: CgStats) -> bool:
    """Whether the root LP is worth diving from: converged, or its proven bound within :data:`DIVE_GAP` of it.

    Why not converged only: Instance14's last pricing rounds keep finding
    columns that lower its LP by hundredths (1278.015 against a bound of
    1277.455 when the root's time ended); a greedy roster from that LP
    scored 2288 where diving in it does far better.
    """
    return stats.converged or _lp_within(stats, DIVE_GAP)


def _lp_within(stats: CgStats, share: float) -> bool:
    """Whether the LP lies within ``share`` of its value above the proven bound (False while either is unknown)."""
    gap = stats.lp_value - stats.bound
    return math.isfinite(gap) and gap <= share * abs(stats.lp_value)


def _extend_root(master: ColumnMaster, pricers: Sequence, end: Deadline, pool: ThreadPoolExecutor, stats: CgStats, started: float) -> None:
    """More pricing, in 2 s slices, while the root LP is within :data:`ROOT_EXTEND_GAP` of its bound but not yet :func:`_near_converged`.

    Why: Instance14's root is near that edge when its 27 s end, and where
    it lands varies from run to run (LP 1278.2, bound 1272.5: dived, 1281;
    LP 1286.6, bound 1250.9 or 1318.1, 1198.8: a greedy roster, 1487-1605).
    Priced on, it reached 1278.2 / 1276.0 at 32 s and ended at 1282 (one
    run; in another the extended root left the dive too little time and the
    greedy roster ended at 1389). Roots further off (Instance15: 10-46%)
    do not wait: their time is the best responses' and the polish's.
    """
    while not _near_converged(stats) and _lp_within(stats, ROOT_EXTEND_GAP) and not end.passed():
        generate(master, pricers, Deadline(time.perf_counter() + min(2.0, end.left())), pool, stats, started=started)


def _greedy_completion(master: ColumnMaster) -> None:
    """Every employee still free takes its heaviest LP schedule (when time ends mid-dive)."""
    master.solve()
    weights = {i: master.weights(i) for i in range(len(master.convexity)) if i not in master.fixed and master.columns[i]}
    for i, w in weights.items():
        master.fix(i, max(range(len(w)), key=w.__getitem__))


def _dives(
    master: ColumnMaster,
    pricers: Sequence,
    first_end: Deadline,
    later_end: Deadline,
    pool: ThreadPoolExecutor,
    stats: CgStats,
    info: dict,
    floor: float,
    first_dived: Callable[[float], None] | None = None,
) -> dict[int, Column] | None:
    """The cheapest roster of several dives from the converged root (None when the first one did not end).

    Why more than one: which roster a dive ends in depends on how many cells
    each step fixes, and a later dive starts from every column the earlier
    ones priced, so it costs a fraction of the first (Instance7 from 60 s
    runs: 2.4 s, then 0.9 and 0.6 s). Instance7's first dive ended at 1072,
    its third (share 0.5) at 1057; Instance10's second at 4631, its optimum,
    where the polish of the first one's 4646 stopped at 4634. Later dives end
    when one reaches the root bound, by ``later_end``, after
    :data:`REDIVE_PATIENCE` dives without a cheaper roster, or when one runs
    out of its time (at most :data:`REDIVE_CAP` times the first dive's
    seconds: the next would too). The time they take is the polish's.
    """
    by_employee = {p.employee: p for p in pricers}
    began = time.perf_counter()
    best = dive_cells(master, pricers, first_end, pool, stats, share=DIVE_FIX_SHARE, rounds=DIVE_ROUNDS, max_rise=DIVE_MAX_RISE)
    if best is None:
        return None
    cap = max(0.5, REDIVE_CAP * (time.perf_counter() - began))
    values = [master.roster_cost(list(best.values()))]
    if first_dived is not None:
        first_dived(values[0])
    for share in itertools.cycle(REDIVE_SHARES):
        stale = len(values) - 1 - values.index(min(values))  # dives since the best one
        if min(values) <= floor + 1e-6 or later_end.left() < 0.1 or stale >= REDIVE_PATIENCE or values[-1] == math.inf:
            break
        try:
            for i, d in master.release_all():
                by_employee[i].release(d)
            chosen = dive_cells(
                master,
                pricers,
                Deadline(time.perf_counter() + min(cap, later_end.left())),
                pool,
                stats,
                share=share,
                rounds=DIVE_ROUNDS,
                max_rise=DIVE_MAX_RISE,
            )
        except MasterLpError as error:  # the earlier dives' cheapest roster stays
            info["master_lp_error"] = str(error)
            break
        values.append(math.inf if chosen is None else master.roster_cost(list(chosen.values())))
        if values[-1] < min(values[:-1]):
            best = chosen
    info.update(dives=[round(v, 2) if math.isfinite(v) else None for v in values])
    return best


def _complete(
    b: ShiftModel, chosen: dict[tuple[int, int], int], seconds: float, seed: int, then: float = 0.0
) -> tuple[list[int], int] | None:
    """The full model's solution for these shifts (every variable, slacks tight), or None if it refuses them.

    ``then``: seconds for a second try when the first ran out of time
    (not when the model refused the shifts). Why: the roster that column
    generation hands on is often the run's only one, and on a huge model
    the 5 s can go before the search starts (Curtois Instance24, 150 staff
    x 364 days, 1.7 million shift choices: fixing the shifts alone takes
    5.8 s). This was first taken for the cause of Instance24's ``--all``
    runs without a roster; that cause was employees without any schedule
    (:func:`~staffline.optimizer.decomposition.column_generation.price_missing`).
    """
    for limit in (seconds, then):
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(0.5, limit)
        status = _solve_fixed(solver, b, chosen)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return list(solver.response_proto.solution), int(round(solver.ObjectiveValue()))
        if status != cp_model.UNKNOWN or then <= seconds:
            return None
    return None


def _solve_fixed(solver: cp_model.CpSolver, b: ShiftModel, chosen: dict[tuple[int, int], int]):
    """``solver`` on the full model with ``chosen`` shifts fixed: its status (a seam the tests use to make it slow)."""
    return solver.Solve(b.with_shifts_fixed(chosen))


def _shifts_of(b: ShiftModel, solution: Sequence[int]) -> dict[tuple[int, int], int]:
    return {(i, d): t for (i, d), options in b.x.items() for t, var in options.items() if solution[var.Index()]}


class _CompactSearch(threading.Thread):
    """CP-SAT on the full model, one worker, beside column generation for the first :data:`COMPACT_SHARE` of the limit.

    Why: on small instances the full model proves the optimum in a second
    where the column bound leaves a gap (Curtois Instance1: LP 558, optimum
    607). Why only at first: it takes a core from pricing, and on the large
    instances the root LP is what decides the roster (60 s runs, the search
    kept to 85% of the limit against 10%: Instance14 1499-1706 against 1388,
    its root LP 1286.6 against 1278.0; Instance13 5222 against 4737, 17 6421
    against 6005), while its own rosters there were 4-5x the best known.
    CP-SAT releases the GIL while it searches.
    """

    def __init__(self, b: ShiftModel, seconds: float, seed: int):
        super().__init__(daemon=True)
        self.model = b.model.clone()
        self.solver = cp_model.CpSolver()
        self.solver.parameters.num_workers = 1
        self.solver.parameters.random_seed = seed
        self.solver.parameters.max_time_in_seconds = max(0.1, seconds)
        self.status = cp_model.UNKNOWN
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            self.status = self.solver.Solve(self.model)
        finally:
            self.finished.set()

    def best(self) -> tuple[list[int], int] | None:
        if self.status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return list(self.solver.response_proto.solution), int(round(self.solver.ObjectiveValue()))
        return None

    def bound(self) -> float:
        if self.status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE):
            return self.solver.BestObjectiveBound() / SCALE
        return -math.inf


def _polish(b: ShiftModel, solution: list[int], objective: int, seconds: float, workers: int, seed: int, local: bool):
    """CP-SAT on the full model, hinted with the best roster: (solution, objective, bound).

    The objective is the solution's as CP-SAT scored it, an upper bound on its
    shifts' exact score: a time-limited solution may keep a cover slack larger
    than its shifts need. :func:`_complete` on its shifts makes it exact.

    Why these workers (30 s from the same dive roster, 2 cores): CP-SAT's
    default pair of full-model workers took Instance8 from 1515 to 1408;
    one full worker with the whole LP (``max_lp``) beside LNS workers reached
    1311 (LNS alone 1310 but no bound; on Instance12 4262 against 4454). That
    is for a ``local`` start, a dive's roster near the LP bound. From a
    greedy roster (the LP had not converged: Instances 13-15, 17-19) the
    default pair did better in a full 60 s run (13: 5577 against 7519, 14:
    1538 against 1706). A hand-written shift-window LNS lost to CP-SAT's on
    Instances 8 and 12.
    """
    model = b.model.clone()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(solution)))
    hint.values.extend(solution)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = seconds
    if local and workers > 1:  # one full-model worker with the whole LP (bounds), the others CP-SAT's LNS from the hint
        solver.parameters.num_full_subsolvers = 1
        solver.parameters.subsolvers.append("max_lp")
    status = solver.Solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.ObjectiveValue() <= objective:
        return list(solver.response_proto.solution), int(round(solver.ObjectiveValue())), solver.BestObjectiveBound() / SCALE
    return solution, objective, -math.inf


def _responses_first(local: bool, objective: float, floor: float) -> bool:
    """Whether best responses should improve the roster before CP-SAT's polish (both in the objective's scaled units).

    Why: CP-SAT's polish stalls far from the bound, where best responses
    make progress (a greedy roster: Instance13 21309 -> 4675 by responses).
    A dive's roster near the bound goes to the polish alone: from the dive
    rosters of Instances 6, 7, 8, 12, 14 and 16 (0.2-1.1% above the bound)
    responses first found 0-5 points and took the polish's time (Instance6
    ended at 1952 instead of proving its 1950). A dive that ended far off
    is treated like a greedy roster: Instance18's dive ended at 4881
    against a bound of 4418; responses took it to 4685 and the polish to
    4680, where the polish alone stopped at 4775.
    """
    if objective <= floor:
        return False
    return not local or objective > (1 + RESPONSE_GAP) * floor


def _best_responses(
    b: ShiftModel,
    per_employee: dict[int, list],
    covers: list[CoverRow],
    solution: list[int],
    objective: int,
    deadline: float,
    seed: int,
    info: dict,
) -> tuple[list[int], int]:
    """The roster improved by :class:`~staffline.optimizer.decomposition.best_response.BestResponseSearch` until ``deadline``."""
    templates = [[tpl.id for tpl in day.templates] for day in b.days]
    pricers = [make_pricer(i, e, b.days, per_employee[i]) for i, e in enumerate(b.employees)]
    chosen = _shifts_of(b, solution)
    schedules = [tuple(chosen.get((i, d), -1) for d in range(len(b.days))) for i in range(len(b.employees))]
    search = BestResponseSearch(pricers, covers, templates, schedules, seed)
    search.improve(deadline)
    info.update(response_objective=search.objective(), response_moves=search.stats.moves, response_calls=search.stats.responses)
    if search.objective() * SCALE < objective - 0.5:
        completed = _complete(b, search.assignment(), COMPLETION_SECONDS, seed)
        if completed and completed[1] < objective:
            return completed
    return solution, objective


def _root_prices(master: CoverMaster, pricers: Sequence, stats: CgStats, deadline: Deadline, pool: ThreadPoolExecutor) -> RootPrices | None:
    """The converged root's prices for the neighbourhood search (None: not converged, or an employee outside the DP)."""
    if not stats.converged:
        return None
    try:
        return root_prices(master, pricers, stats.lp_value, deadline, pool)
    except ValueError:  # an employee the DP does not price
        return None


def _start_neighbourhood(
    searches: list[NeighbourhoodSearch],
    b: ShiftModel,
    rules: Sequence,
    covers: list[CoverRow],
    prices: RootPrices,
    incumbent: float,
    deadline: Deadline,
) -> None:
    """Start the search near the converged root's LP for rosters cheaper than ``incumbent`` (value units), in its own thread.

    Not with less than :data:`NEIGHBOURHOOD_MIN_SECONDS` left: CBC takes a
    second at least, which a short limit does not have.
    """
    if deadline.left() < NEIGHBOURHOOD_MIN_SECONDS:
        return
    search = NeighbourhoodSearch(b, rules, covers, prices, incumbent, objective_step(b.model) / SCALE, deadline)
    search.start()
    searches.append(search)


def _neighbourhood_outcome(
    b: ShiftModel, search: NeighbourhoodSearch, solution: list[int], objective: int, bound: float, seed: int, info: dict
) -> tuple[list[int], int, float]:
    """(solution, objective, bound) once the neighbourhood search ends: its roster if cheaper, its proof if it made one.

    A roster already proved optimal stops the search instead of waiting for it.
    """
    if objective <= objective_floor(b.model, bound):
        search.stop()
    search.join()
    info["neighbourhood"] = search.summary()
    found = search.roster()
    if found is not None and found[1] * SCALE < objective - 0.5:
        completed = _complete(b, found[0], COMPLETION_SECONDS, seed)
        if completed and completed[1] < objective:
            solution, objective = completed
    if search.proves_incumbent():
        bound = max(bound, search.incumbent)
    return solution, objective, bound


def solve_decomposed(
    b: ShiftModel,
    rules: Sequence,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    progress: Callable[[float, float, float], None] | None = None,
    setup: tuple[ColumnMaster, Sequence] | None = None,
    incumbent: tuple[list[int], int] | None = None,
) -> DecompositionResult:
    """Best roster within ``time_limit`` seconds and the best proven bound (column generation or CP-SAT).

    ``setup`` = (master, pricers) runs the same phases on another master
    (a branch roster's :class:`~staffline.optimizer.decomposition.branch_master.BranchMaster`);
    the cover-only phases (best responses, the neighbourhood search) are
    then skipped. Without it the master is the shift covers of ``rules``.
    ``incumbent`` (a complete solution and its scaled objective) competes
    with the phases' rosters for the polish.
    """
    started = time.perf_counter()
    if setup is None:
        per_employee, covers = split_rules(rules, len(b.employees))
        templates = [[tpl.id for tpl in day.templates] for day in b.days]
        pricers = [make_pricer(i, e, b.days, per_employee[i]) for i, e in enumerate(b.employees)]
        master: ColumnMaster = CoverMaster(len(b.employees), covers, templates)
    else:
        master, pricers = setup
        per_employee, covers = {}, None
    stats = CgStats()
    info: dict = {}
    compact = _CompactSearch(b, COMPACT_SHARE * time_limit - (time.perf_counter() - started), seed)
    compact.start()
    phase_ends = [Deadline(started + share * time_limit) for share in (ROOT_SHARE, DIVE_SHARE, REDIVE_SHARE, ROOT_EXTEND_SHARE)]
    root_end, dive_end, redive_end, extended_root_end = phase_ends
    # the full model proved its optimum: every phase of column generation ends at once
    threading.Thread(
        target=lambda: (compact.finished.wait(), compact.status == cp_model.OPTIMAL and [end.stop() for end in phase_ends]), daemon=True
    ).start()
    master_failed, searches = False, []
    neighbourhood_end = Deadline(started + time_limit - NEIGHBOURHOOD_MARGIN)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        try:
            stats.columns += seed_columns(master, pricers, root_end, pool)
            generate(master, pricers, root_end, pool, stats, started=started)
            _extend_root(master, pricers, extended_root_end, pool, stats, started)
            info.update(
                root_lp=round(stats.lp_value, 3),
                root_bound=round(stats.bound, 3),
                root_converged=stats.converged,
                root_rounds=stats.rounds,
                root_seconds=round(time.perf_counter() - started, 2),
            )
            if progress and math.isfinite(stats.bound):
                progress(time.perf_counter() - started, stats.lp_value, stats.bound)
            dive_floor = objective_floor(b.model, stats.bound) / SCALE
            prices = (
                _root_prices(master, pricers, stats, dive_end, pool)
                if objective_step(b.model) > 0 and isinstance(master, CoverMaster)
                else None
            )
            first_dived = (
                None
                if prices is None
                # from the first dive's roster on, beside the later dives and the polish
                else (lambda value: _start_neighbourhood(searches, b, rules, covers, prices, value, neighbourhood_end))
            )
            chosen = (
                _dives(master, pricers, dive_end, redive_end, pool, stats, info, dive_floor, first_dived)
                if _near_converged(stats)
                else None
            )
            if chosen is None and not all(master.columns):  # the greedy completion below needs a schedule for everyone
                info["without_schedule"] = sum(not columns for columns in master.columns)
                stats.columns += price_missing(master, pricers, dive_end, pool, workers)
        except MasterLpError as error:  # the compact search's roster and the bound proved so far carry on
            info["master_lp_error"] = str(error)
            chosen, master_failed = None, True
    dived = chosen is not None  # the dive ended with a roster (not time, not a greedy completion)
    if chosen is None and all(master.columns):
        if master_failed:  # no LP weights to follow: each employee's cheapest schedule, for the best responses to mend
            chosen = {i: min(columns, key=lambda column: column.cost) for i, columns in enumerate(master.columns)}
        else:
            try:
                _greedy_completion(master)
                chosen = {i: master.columns[i][k] for i, k in master.fixed.items()}
            except MasterLpError as error:  # a master with an LP time limit (BranchMaster) ran out: the cheapest schedules
                info["master_lp_error"] = str(error)
                chosen = {i: min(columns, key=lambda column: column.cost) for i, columns in enumerate(master.columns)}
    info.update(
        dive_seconds=round(time.perf_counter() - started, 2),
        columns=stats.columns,
        backtracks=stats.backtracks,
        fallbacks=sum(getattr(p, "fallbacks", 0) for p in pricers),
    )
    candidates = []
    completion_seconds = 1.0  # what finishing a roster into the full model costs (measured below when a roster exists)
    if chosen and len(chosen) == len(b.employees):
        before = time.perf_counter()
        shifts = {(i, d): t for i, col in chosen.items() for d, t in enumerate(col.shifts) if t >= 0}
        # often the run's only roster: a second try may take what is left, but for the polish's completion after it
        completed = _complete(b, shifts, COMPLETION_SECONDS, seed, then=(time_limit - (before - started)) / 2)
        completion_seconds = time.perf_counter() - before
        if completed:
            candidates.append((*completed, dived))
            info["dive_objective" if dived else "greedy_objective"] = completed[1] / SCALE
    if len(candidates) > 0 or incumbent is not None:  # else (GLOP failed at once) the full model's search runs out its share
        compact.solver.StopSearch()
    compact.join()
    if compact.best():
        candidates.append((*compact.best(), False))
        info["compact_objective"] = compact.best()[1] / SCALE
    if incumbent is not None:
        candidates.append((*incumbent, False))
    bound = max(stats.bound, compact.bound(), 0.0)
    if not candidates:
        return DecompositionResult(None, None, bound, info)
    solution, objective, local = min(candidates, key=lambda c: c[1])
    floor = objective_floor(b.model, bound)
    # the polish leaves time for its own completion, so the whole call keeps to the limit
    left = time_limit - (time.perf_counter() - started) - 1.5 * completion_seconds
    if covers is not None and _responses_first(local, objective, floor) and left > 0.5:
        solution, objective = _best_responses(
            b, per_employee, covers, solution, objective, time.perf_counter() + RESPONSE_SHARE * left, seed, info
        )
        left = time_limit - (time.perf_counter() - started) - 1.5 * completion_seconds
    if left > 0.5 and objective > floor:
        solution, objective, polish_bound = _polish(b, solution, objective, left, workers, seed, local=local)
        bound = max(bound, polish_bound)
        remaining = time_limit - (time.perf_counter() - started)
        solution, objective = _complete(b, _shifts_of(b, solution), max(0.5, remaining), seed) or (solution, objective)
    for search in searches:  # its roster comes completed
        solution, objective, bound = _neighbourhood_outcome(b, search, solution, objective, bound, seed, info)
    return DecompositionResult(solution, objective, bound, info)
