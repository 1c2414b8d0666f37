"""Large-neighbourhood search (LNS) on the roster model, for branches too big for CP-SAT to improve alone.

Why: from 60 staff on, CP-SAT's own LNS workers crawl on the full model
(60 staff, 50 s: the greedy warm start's 17,085 became 16,992; 150 staff:
barely moved), because every neighbourhood it picks is generic (random
variables or constraints of a model with 35,000-66,000 variables) and each
one pays the full model's linear relaxation. Here the neighbourhoods follow
the roster's structure, and everything outside them is fixed to the
incumbent, which CP-SAT's presolve then removes:

* employees of two certification classes (all their days free);
* employees of two classes on two days;
* one class (a random part of it, if it is large);
* members of the classes that can take the role of the worst wait in the
  roster, half of them on duty at that moment;
* with a target (the staffing LP's on-duty staff per class and slot, once
  it is solved: :mod:`~staffline.optimizer.search.staffing_bound`), members
  of one class on the two days whose on-duty staff stray furthest from it
  (``lp_gap``).

Shift choices ``x`` outside the neighbourhood are fixed, and so are the role
counts ``y`` of every (class, day) in which no shift is free: their on-duty
counts cannot change, and keeping their role split makes the sub-problem
small (a day's roles of one class are a few dozen variables). Each
sub-problem is solved by one CP-SAT worker with the incumbent as a complete
hint, for a short deterministic time; a strictly better roster becomes the
incumbent.

Two things adapt as the search learns the branch:

* the kind: drawn in proportion to the objective it gained per
  deterministic second so far (:meth:`LnsStats.pick`). At 60 staff the
  kinds differ a lot (two searches over 45 s: ``days`` improved 18 of 21
  tries, ``class`` and ``lp_gap`` about 60%, ``employees`` and
  ``worst_wait`` under 20%); drawing by success rate instead of in turn
  took the roster from 13,503 to 13,470-13,480 in the same 45 s, and
  since stop 53 the draw weighs what a try gains and costs;
* each kind's size: it grows after a sub-problem solved to optimality and
  shrinks after one stopped by its limit. Kept per kind (13,450-13,456
  against 13,477 with one size for all): a kind whose sub-problems are
  hard no longer shrinks the easy ones.

Deterministic: the choices come from ``random.Random(seed)`` and every
sub-problem runs on CP-SAT's deterministic time, so with the same seed and
budget the same rosters follow on any machine load (a wall-clock deadline
only guards against overrunning the run).

Several searches can share one incumbent (:class:`SharedIncumbent`), each in
its own thread with its own seed: a sub-problem's time is CP-SAT's (which
frees the GIL; building it takes 0.06 s of Python at 60 staff), so two
searches try twice the neighbourhoods. Which roster they end with then
depends on timing; a lone search stays deterministic.
"""

from __future__ import annotations

import ctypes
import gc
import random
import threading
from dataclasses import dataclass, field
from typing import Callable

from ortools.sat.python import cp_model

from staffline.deadline import Deadline
from staffline.optimizer.core.branch_model import RosterBuilder
from staffline.optimizer.core.cpsat_backend import configure, fix_variable

# Deterministic seconds a sub-problem gets. 2.0 until stop 53; measured idle on its 2-core machine (class-level
# objective, 2 workers): 150 staff at 120 s 29,158 and 29,212 with 2.0, 28,861 and 28,941 with 1.0; 60 staff at 60 s
# 13,639 (mean of 8 runs) with 2.0, 13,604 (5) with 1.0 and 13,647 (3) with 0.5. A sub-problem stopped by this limit
# seldom improves, and the sizes adapt down to what solves within it.
SUB_SECONDS = 1.0
MIN_SUB_SECONDS = 0.2  # less than this left of the budget is not worth a sub-problem (presolve alone takes about that)
MIN_FREE, START_FREE, MAX_FREE = 3, 6, 40  # employees a neighbourhood frees: at least, at first, at most
KINDS = ("employees", "days", "class", "worst_wait")
GUIDED_KINDS = (*KINDS, "lp_gap")  # with a target: the LP's on-duty staff per (class, day, slot)

Target = dict[tuple[frozenset, int, int], float]


@dataclass
class Incumbent:
    """The best roster so far: every variable's value (the model's proto order), its objective and the solver holding it."""

    values: list[int]
    objective: int
    solver: cp_model.CpSolver


@dataclass
class LnsStats:
    """What the search did, per neighbourhood kind: tries, improvements, objective gained and deterministic seconds spent."""

    tries: dict[str, int] = field(default_factory=dict)
    improved: dict[str, int] = field(default_factory=dict)
    gained: dict[str, float] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)
    deterministic_seconds: float = 0.0

    def pick(self, kinds: tuple[str, ...], rng: random.Random) -> str:
        """A kind drawn in proportion to the objective it gained per deterministic second so far.

        A kind starts at the average rate of all kinds, worth
        :data:`PRIOR_SECONDS` of its own, and never falls below
        :data:`LEAST_SHARE` of the best kind's weight (the incumbent
        changes, and so does what pays). Why per second, not per try: at
        60 staff the kinds' tries cost 0.1-1.5 deterministic seconds and
        gained 5-317 per second (``employees`` 5, ``worst_wait`` 20,
        ``class`` 114, ``lp_gap`` 276, ``days`` 317), while their success
        rates (38-92%) told them apart far less: ``employees`` and
        ``worst_wait`` took 25 of 63 thread-seconds for 3% of the gain.
        """
        average = (sum(self.gained.values()) + 1.0) / (sum(self.spent.values()) + 1.0)
        rates = [(self.gained.get(k, 0.0) + average * PRIOR_SECONDS) / (self.spent.get(k, 0.0) + PRIOR_SECONDS) for k in kinds]
        floor = LEAST_SHARE * max(rates)
        return rng.choices(kinds, weights=[max(rate, floor) for rate in rates])[0]

    def count(self, kind: str, better: bool, gained: float = 0.0, seconds: float = 0.0) -> None:
        """One try of ``kind``: whether it improved the incumbent, by how much, in how many deterministic seconds."""
        self.tries[kind] = self.tries.get(kind, 0) + 1
        if better:
            self.improved[kind] = self.improved.get(kind, 0) + 1
        self.gained[kind] = self.gained.get(kind, 0.0) + max(0.0, gained)
        self.spent[kind] = self.spent.get(kind, 0.0) + seconds


PRIOR_SECONDS = 1.0  # a kind's start: the average rate, as if measured over this many deterministic seconds
LEAST_SHARE = 0.05  # of the best kind's weight: the least any kind keeps


class SharedIncumbent:
    """The best roster of searches running side by side: each try starts from it, and a better roster replaces it.

    ``progress`` is called (under the lock, so in order of improvement) with
    every roster that becomes the incumbent.
    """

    def __init__(self, start: Incumbent, progress: Callable[[Incumbent], None] | None = None):
        self._best = start
        self._lock = threading.Lock()
        self._progress = progress

    @property
    def best(self) -> Incumbent:
        return self._best

    def offer(self, candidate: Incumbent) -> bool:
        """Keep ``candidate`` if it beats the incumbent (another search may have improved it meanwhile)."""
        with self._lock:
            if candidate.objective >= self._best.objective:
                return False
            self._best = candidate
            if self._progress is not None:
                self._progress(candidate)
            return True


def incumbent_of(solver: cp_model.CpSolver) -> Incumbent:
    """The solution a solver holds (of the model or a clone with the same variables) as an :class:`Incumbent`."""
    response = solver.ResponseProto()
    return Incumbent(list(response.solution), int(round(response.objective_value)), solver)


def choose(
    b: RosterBuilder, inc: Incumbent, kind: str, size: int, rng: random.Random, target: Target | None = None
) -> set[tuple[int, int]]:
    """The (employee, day) shifts a neighbourhood of ``kind`` frees: about ``size`` employees of one or two classes.

    Few classes on purpose: a (class, day) with a free shift gets its role
    counts freed too, and those dominate a sub-problem's size. On 60 staff a
    whole small class solved to optimality in 0.3 s and took 2.7% off the
    warm start's objective, while six employees of six classes (a sub-problem
    of 7,300 variables after presolve) improved nothing in 2 deterministic
    seconds.
    """
    n_days = len(b.days)
    class_of = {i: c for c, members in b.classes.items() for i in members}
    people: list[int]
    days = list(range(n_days))
    if kind == "lp_gap" and target is not None:
        c, days = farthest_days(b, inc, target, rng)
        people = rng.sample(b.classes[c], min(len(b.classes[c]), 3 * size))
    elif kind == "worst_wait":  # members of the classes that can take the worst slot's role, on duty there or not
        d, s, role = worst_slot(b, inc)
        able = [i for i, c in class_of.items() if role in c]
        classes = {class_of[i] for i in rng.sample(able, min(2, len(able)))}
        pool = [i for i in range(len(b.employees)) if class_of[i] in classes]
        on = [i for i in pool if any(s in b.days[d].templates[t].slots and inc.values[v.Index()] for t, v in b.x[i, d].items())]
        off = [i for i in pool if i not in on]
        people = rng.sample(on, min(len(on), size // 2))
        people += rng.sample(off, min(len(off), size - len(people)))
    else:
        picked = rng.sample(range(len(b.employees)), min(1 if kind == "class" else 2, len(b.employees)))
        pool = [i for i in range(len(b.employees)) if class_of[i] in {class_of[j] for j in picked}]
        if kind in ("days", "lp_gap"):  # shifts move between two days (contract hours tie a person's days together)
            days = sorted(rng.sample(days, min(2, n_days)))
            people = rng.sample(pool, min(len(pool), 3 * size))
        else:
            people = rng.sample(pool, min(len(pool), size))
    return {(i, d) for i in people for d in days}


def farthest_days(b: RosterBuilder, inc: Incumbent, target: Target, rng: random.Random) -> tuple[frozenset, list[int]]:
    """A class and two of its days whose on-duty staff differ most from ``target`` (drawn in proportion to the difference).

    Why: the LP's staffing is what the cheapest rosters look like in
    aggregate; where the incumbent's on-duty counts stray from it is where a
    better roster most likely differs (the generic kinds pick classes and
    days blindly).
    """
    apart: dict[tuple[frozenset, int], float] = {}
    for (c, d, s), want in target.items():
        have = sum(inc.values[b.y[c, d, s, r].Index()] for r in c)
        apart[c, d] = apart.get((c, d), 0.0) + abs(have - want)
    keys = [k for k, v in apart.items() if v > 0] or list(apart)
    c, d = rng.choices(keys, weights=[apart[k] + 1e-9 for k in keys])[0]
    others = [k for k in keys if k[0] == c and k[1] != d]
    days = [d] + ([rng.choices(others, weights=[apart[k] + 1e-9 for k in others])[0][1]] if others else [])
    return c, sorted(days)


def worst_slot(b: RosterBuilder, inc: Incumbent) -> tuple[int, int, str]:
    """(day, slot, role) whose wait term is largest in the incumbent (ties: the first)."""
    best, where = -1, (0, 0, b.branch.role_names[0])
    for (r, d, s), w in b.wait_vars.items():
        if inc.values[w.Index()] > best:
            best, where = inc.values[w.Index()], (d, s, r)
    return where


def sub_model(b: RosterBuilder, inc: Incumbent, free: set[tuple[int, int]]) -> cp_model.CpModel:
    """A copy of the model with every shift outside ``free`` and the role counts of untouched (class, day)s fixed, hinted with the incumbent."""
    sub = b.model.clone()
    sub.ClearHints()
    proto = sub.proto
    values = inc.values

    def fix(index: int) -> None:
        fix_variable(proto, index, values[index])

    touched = set()
    class_of = {i: c for c, members in b.classes.items() for i in members}
    for (i, d), options in b.x.items():
        if (i, d) in free:
            touched.add((class_of[i], d))
            continue
        for var in options.values():
            fix(var.Index())
    for (c, d, _s, _r), var in b.y.items():
        if (c, d) not in touched:
            fix(var.Index())
    proto.solution_hint.vars.extend(range(len(values)))
    proto.solution_hint.values.extend(values)
    return sub


def light_presolve(solver: cp_model.CpSolver) -> None:
    """One presolve pass, no probing, no symmetry: most of a sub-problem is fixed, and full presolve spent 3 of its 6 s (60 staff)."""
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.max_presolve_iterations = 1
    solver.parameters.symmetry_level = 0


def release_freed_memory() -> None:
    """Collect the dead sub-model copies and hand the C heap's freed pages back to the system.

    Why: each sub-problem is a copy of the whole model that CP-SAT loads and
    presolves. The copies die in reference cycles (freed only by Python's
    full collection, 28 ms at 300 staff) and glibc keeps freed memory in
    each thread's arena (``malloc_trim`` returns it; other C libraries: no
    trim). At 300 staff, 12 sub-problems in a row left a 250 MB process at
    730 MB (450 MB with collection alone, 240-380 MB with both), and two
    searches side by side took a 300 s run to 4.3 GB.
    """
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc():
    """The running process's own symbols when they include glibc's ``malloc_trim`` (no library search, no subprocess)."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # TypeError: platforms whose CDLL needs a library name
        return None
    return libc if hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()


def improve(
    b: RosterBuilder,
    start: cp_model.CpSolver | SharedIncumbent,
    seed: int,
    budget: float,
    deadline: Deadline | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[Incumbent], None] | None = None,
    sub_seconds: float = SUB_SECONDS,
    guide: Callable[[], Target | None] | None = None,
) -> tuple[Incumbent, LnsStats]:
    """Neighbourhoods of ``start``'s roster until ``budget`` deterministic seconds are spent: the best roster and what was tried.

    ``start`` is a solver holding a roster, or a :class:`SharedIncumbent`
    that other searches improve too (``progress`` is then the shared one's).
    ``deadline`` (wall clock) and ``stop`` (set by a caller whose time is
    up) end it sooner; both only guard the run, the choices stay seeded.
    ``guide`` returns the LP's on-duty target once there is one (None
    before): the ``lp_gap`` kind joins the draw then. The result is
    never worse than ``start``.
    """
    rng = random.Random(seed)
    shared = start if isinstance(start, SharedIncumbent) else SharedIncumbent(incumbent_of(start), progress)
    stats = LnsStats()
    # each kind's size grows while its sub-problems solve to optimality (a fixed share of the staff made 150-staff ones too slow)
    sizes: dict[str, int] = {}
    while budget - stats.deterministic_seconds >= MIN_SUB_SECONDS:
        if (stop is not None and stop.is_set()) or (deadline is not None and deadline.remaining() < 0.5):
            break
        target = guide() if guide is not None else None
        kinds = KINDS if target is None else GUIDED_KINDS
        kind = stats.pick(kinds, rng)
        inc = shared.best
        size = sizes.get(kind, START_FREE)
        sub = sub_model(b, inc, choose(b, inc, kind, size, rng, target))
        solver = cp_model.CpSolver()
        limit = min(sub_seconds, budget - stats.deterministic_seconds)
        wall = None if deadline is None else deadline.remaining()
        configure(solver, limit, 1, rng.randrange(1 << 30), wall_limit=wall)
        # only the deadline stops a sub-problem on the wall clock: configure's guard of 4x the limit cut them under
        # load 4 (2 deterministic seconds took 6-8 s), and two one-worker runs of 60 staff ended 13,715 and 13,744
        solver.parameters.max_time_in_seconds = float("inf") if wall is None else wall
        light_presolve(solver)
        status = solver.Solve(sub)
        del sub
        release_freed_memory()
        seconds = max(solver.ResponseProto().deterministic_time, 0.01)  # an instant presolve still counts
        stats.deterministic_seconds += seconds
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        better = found and int(round(solver.ObjectiveValue())) < inc.objective and shared.offer(incumbent_of(solver))
        stats.count(kind, better, inc.objective - solver.ObjectiveValue() if better else 0.0, seconds)
        sizes[kind] = min(MAX_FREE, size + 1) if status == cp_model.OPTIMAL else max(MIN_FREE, size - 1)
    return shared.best, stats
