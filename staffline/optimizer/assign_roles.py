"""Give each on-duty person a role per slot, matching the optimizer's class-level counts.

The roster model decides how many members of each certification class work
each role per slot, not who. Here a small CP-SAT model per day picks, for each
person, one certified role per worked slot, every role block lasting at least
the minimum block length. A block may be shorter only when the whole shift
part (between start, lunch and end) is shorter, so nobody changes desk every
15 minutes.

The class-level counts are a relaxation: with several people in a class and
the block rule, they are not always realisable person by person. So, given
the wait curves, this model minimises the same expected wait the roster was
solved for (tangent cuts as in the roster model), and the counts only break
ties; without them it minimises the count mismatch. Hard role minima and
maxima (greeter, appointments, hard coverage) come first.

Desk changes (the soft rule ``role changes``) cost ``change_weight`` each
in the same units as the wait: a person whose role differs from their
previous worked slot of the day (lunch in between or not) changes desk once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from staffline.optimizer.core.branch_model import add_wait_cuts
from staffline.optimizer.core.templates import shift_parts
from staffline.optimizer.role_polish import (
    KICK_MOST_ROUNDS,
    DayPrices,
    count_changes,
    count_mismatch,
    day_objective,
    kick_and_polish,
    polish_roles,
)

MINIMUM_WEIGHT = 1000
WHOLE_DAY_SECONDS = 0.3  # deterministic budget of the whole-day start (:func:`whole_day_roles`)


def assign_day(
    people: list[tuple[str, tuple[str, ...], tuple[int, ...]]],
    targets: dict[tuple[frozenset, int, str], int],
    block_slots: int,
    seed: int = 0,
    time_limit: float = 3.0,
    minimums: dict[tuple[int, str], int] | None = None,
    maximums: dict[tuple[int, str], int] | None = None,
    wait_values: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    change_weight: int = 0,
    prefer: dict[tuple[str, int], str] | None = None,
    prefer_weight: int = 0,
    fixed: dict[tuple[str, int], str] | None = None,
    wall_limit: float | None = None,
    extensions: dict[str, Extension] | None = None,
    on_duty_max: int | None = None,
) -> tuple[dict[tuple[str, int], str], int, int]:
    """Roles per (person, slot) for one day, the total count mismatch and the desk changes (when weighted).

    ``people`` = (person id, certified roles, worked slot indices);
    ``targets`` = (class, slot, role) -> count wanted; ``minimums`` = (slot,
    role) -> staff that hard rules need (greeter, appointments), ``maximums``
    the most they allow. Breaking one costs far more than anything else, so it
    happens only when the block rule leaves no other way. ``wait_values`` =
    role -> (objective value of n free staff as int[slot, n + 1], busy staff
    per slot), as :meth:`RosterBuilder.wait_values` gives them;
    ``change_weight`` = the cost of one desk change in those units.
    Re-planning passes the published roles: ``fixed`` (person, slot) ->
    role must hold (a kept person-day), ``prefer`` ones cost
    ``prefer_weight`` each when not kept.
    ``extensions`` (intraday overtime) = person -> the slots they may work
    beyond their shift (see :class:`Extension`); ``on_duty_max`` then caps
    everyone on duty in those slots.

    ``time_limit`` is CP-SAT's deterministic time (repeatable); ``wall_limit``
    caps the wall clock too, for a run's deadline.

    The start is :func:`whole_day_roles` (every block rule kept, hard role
    minima held where whole-day roles can hold them), polished person by
    person (:func:`~staffline.optimizer.role_polish.polish_roles`: each
    person's exact best roles given everyone else's). CP-SAT then searches
    from it with the time left, its answer is polished too, and the cheaper
    of the two stands; a day whose polishing left no time for CP-SAT keeps
    the polished start, and one with more than :data:`CP_SAT_MOST_PEOPLE`
    people on duty has it kicked instead
    (:func:`~staffline.optimizer.role_polish.kick_and_polish`, until
    ``wall_limit`` or, without one, :data:`KICK_PERSON_ROUNDS` person-rounds:
    repeatable). Why both: from about 40 people on duty CP-SAT alone
    is far from its best in the time a day gets (a 60-staff week: 608,000
    after CP-SAT's 0.5 deterministic seconds a day, 533,000 for the polished
    start alone, in a tenth of a second a day, and CP-SAT with 4 workers for
    10 s a day improved that by 0.4%); on small days (10 people) CP-SAT
    finds assignments 4% better than the polished start. Runs with
    ``extensions`` (intraday overtime) keep CP-SAT's answer as it is.
    """
    started = time.monotonic()
    prices = DayPrices(
        targets,
        wait_values or {},
        minimums or {},
        maximums or {},
        rule_weight_of(wait_values or {}),
        change_weight,
        prefer or {},
        prefer_weight,
        fixed or {},
    )
    simple = whole_day_roles(people, targets, fixed or {}, minimums or {}, maximums or {}, seed)
    polishing = time.monotonic()
    if not extensions:  # overtime slots are not in ``people``: polishing knows nothing of them
        simple = polish_roles(people, simple, block_slots, prices, seed, stop=_stop_at(started, wall_limit))
    polish_seconds = time.monotonic() - polishing  # about what polishing CP-SAT's answer will take
    if not extensions and len(people) > CP_SAT_MOST_PEOPLE:  # a big day: CP-SAT does not improve the polished start
        # kicks until the day's wall time ends; repeatable (one worker, no wall clock): a fixed amount, fewer rounds the more people
        rounds = KICK_MOST_ROUNDS if wall_limit is not None else max(1, KICK_PERSON_ROUNDS // len(people))
        simple = kick_and_polish(people, simple, block_slots, prices, seed, stop=_stop_at(started, wall_limit), rounds=rounds)
        return _counted(simple, people, targets, change_weight)
    if wall_limit is not None and wall_limit - (time.monotonic() - started) < 2 * polish_seconds + CP_SAT_LEAST_SECONDS:
        return _counted(simple, people, targets, change_weight)  # polishing took the day to its end: no time to search on
    m, z = day_model(people, block_slots, prices, extensions or {}, on_duty_max)
    for (pid, s, r), v in z.items():  # extension slots (not worked in the simple assignment) hinted off
        m.AddHint(v, int(simple.get((pid, s)) == r))
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = time_limit  # repeatable unless the wall-clock guard ends it first
    left = None if wall_limit is None else wall_limit - (time.monotonic() - started) - polish_seconds
    solver.parameters.max_time_in_seconds = 4 * time_limit if left is None else max(0.0, min(4 * time_limit, left))
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.Solve(m)
    best = simple
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # else stopped by the wall clock before any assignment
        best = {(pid, s): r for (pid, s, r), v in z.items() if solver.Value(v)}
        if not extensions:
            found = polish_roles(people, best, block_slots, prices, seed, stop=_stop_at(started, wall_limit))
            best = min((simple, found), key=lambda roles_of: day_objective(people, roles_of, prices))
    return _counted(best, people, targets, change_weight)


# People on duty above which a day keeps its polished start without CP-SAT. Measured on captured one-worker rosters
# (2.4 deterministic seconds a day, the same shifts either way): 16-18 people a day (a 20-staff branch) 10,038.1 with
# CP-SAT against 10,122.2 polished alone; 21-28 people (30 staff) 8,254.2 both ways, in 35.0 s against 1.3 s;
# 46-54 people (60 staff) 13,578.5 both ways, in 38.2 s against 2.2 s. One-worker runs have no wall clock for role
# assignment, so those seconds came on top of the limit: a 60 s plan of 60 staff took 90 s.
CP_SAT_MOST_PEOPLE = 20
# Kicks of a big day without a wall clock (repeatable runs): this many person-rounds, so about the same time a day
# whatever its size (0.056 s a round at 46-54 people: 20 rounds, about 1.1 s a day).
KICK_PERSON_ROUNDS = 1000
CP_SAT_LEAST_SECONDS = 0.5  # wall seconds below which a day's CP-SAT model is not built (at 235 people building it took 0.6 s)


def _counted(roles_of: dict, people, targets: dict, change_weight: int) -> tuple[dict, int, int]:
    """``assign_day``'s answer: the roles, their count mismatch and (when weighted) their desk changes."""
    return roles_of, count_mismatch(roles_of, people, targets), count_changes(roles_of, people) if change_weight else 0


def rule_weight_of(wait_values: dict) -> int:
    """The cost of one person short of a hard role minimum (or over a maximum): more than every wait of the day together."""
    return MINIMUM_WEIGHT * (1 + sum(int(values.max()) for values, _ in wait_values.values()))


def day_model(people, block_slots: int, prices: DayPrices, extensions: dict, on_duty_max: int | None) -> tuple[cp_model.CpModel, dict]:
    """One day's role model and its (person, slot, role) booleans; the objective is ``prices``' (see :func:`~staffline.optimizer.role_polish.day_objective`)."""
    m = cp_model.CpModel()
    z: dict[tuple[str, int, str], cp_model.IntVar] = {}
    by_class_slot_role: dict[tuple[frozenset, int, str], list] = {}
    for pid, roles, slots in people:
        cls = frozenset(roles)
        for s in slots:
            vars_ = []
            for r in sorted(roles):
                v = m.NewBoolVar(f"z_{pid}_{s}_{r}")
                z[pid, s, r] = v
                vars_.append(v)
                by_class_slot_role.setdefault((cls, s, r), []).append(v)
            m.AddExactlyOne(vars_)
        for part in shift_parts(slots):
            first, last = part[0], part[-1]
            for r in roles:
                for s in part:
                    begins = z[pid, s, r] if s == first else z[pid, s, r] - z[pid, s - 1, r]
                    if s != first and s + block_slots - 1 > last:
                        m.Add(begins <= 0)  # a new block here could not reach the minimum length
                        continue
                    for j in range(1, block_slots):
                        if s + j <= last:
                            m.Add(z[pid, s + j, r] >= begins)
    overtime = _add_extensions(m, z, people, extensions, on_duty_max)
    for (pid, s), r in prices.fixed.items():
        if (pid, s, r) in z:
            m.Add(z[pid, s, r] == 1)
    moved = [1 - z[pid, s, r] for (pid, s), r in prices.prefer.items() if (pid, s, r) in z] if prices.prefer_weight else []
    changes = _desk_changes(m, z, people) if prices.change_weight else []
    mismatch = _deviations(m, by_class_slot_role, prices.targets)
    on_role: dict[tuple[int, str], list] = {}
    for (pid, slot, role), v in z.items():
        on_role.setdefault((slot, role), []).append(v)
    broken = _broken_limits(m, on_role, prices.minimums, prices.maximums, len(people))
    waits = []
    for r, (values, busy) in prices.wait_values.items():
        for s in range(values.shape[0]):
            w = add_wait_cuts(m, values[s], sum(on_role.get((s, r), [])) - int(busy[s]), f"w_{r}_{s}")
            if w is not None:
                waits.append(w)
    m.Minimize(
        sum(mismatch)
        + sum(waits)
        + prices.change_weight * sum(changes)
        + prices.prefer_weight * sum(moved)
        + prices.rule_weight * sum(broken)
        + sum(overtime)
    )
    return m, z


def _stop_at(started: float, wall_limit: float | None):
    """A ``stop`` for :func:`polish_roles`: true once ``wall_limit`` seconds have passed since ``started`` (never without a limit)."""
    if wall_limit is None:
        return None
    end = started + wall_limit
    return lambda: time.monotonic() >= end


def whole_day_roles(people, targets: dict, fixed: dict, minimums: dict, maximums: dict, seed: int = 0) -> dict[tuple[str, int], str]:
    """One role all day per person, chosen so the hard role minima and maxima hold where whole-day roles can hold them.

    Why: this is the start role assignment searches from and what stands
    when a day's wall time ends before CP-SAT has an assignment, which
    happens on big branches (60 staff at 60 s under load). The class's
    favourite role for everyone (:func:`one_role_each`) then left advisory
    below the appointments in progress, a hard rule broken. A person's
    whole-day role is one boolean per certified role, so this model is tiny
    (people x roles, plus a deviation per class, slot and role from the
    counts wanted) and solves in a fraction of a second; minima and maxima
    outweigh any deviation. Kept (``fixed``) slots keep their role, and
    their people are taken as :func:`one_role_each` takes them. Falls back
    to :func:`one_role_each` when CP-SAT has nothing within its small budget.
    """
    simple = one_role_each(people, targets, fixed)
    m = cp_model.CpModel()
    pick: dict[tuple[str, str], cp_model.IntVar] = {}
    on_role: dict[tuple[int, str], list] = {}
    by_key: dict[tuple[frozenset, int, str], list] = {}
    for pid, roles, slots in people:
        mine = not slots or any((pid, s) in fixed for s in slots) or len(roles) < 2
        if not mine:
            options = [m.NewBoolVar(f"p_{pid}_{r}") for r in sorted(roles)]
            m.AddExactlyOne(options)
            for r, v in zip(sorted(roles), options):
                pick[pid, r] = v
                m.AddHint(v, int(simple[pid, slots[0]] == r))
        for s in slots:
            for r in roles:
                term = pick[pid, r] if not mine else int(simple[pid, s] == r)
                on_role.setdefault((s, r), []).append(term)
                by_key.setdefault((frozenset(roles), s, r), []).append(term)
    if not pick:
        return simple
    deviations = _deviations(m, by_key, targets)
    heavy = MINIMUM_WEIGHT * (1 + len(deviations) * max(1, len(people)))  # one broken minimum outweighs every deviation
    m.Minimize(sum(deviations) + heavy * sum(_broken_limits(m, on_role, minimums, maximums, len(people))))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = WHOLE_DAY_SECONDS
    solver.parameters.max_time_in_seconds = 4 * WHOLE_DAY_SECONDS
    if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return simple
    out = dict(simple)
    for pid, roles, slots in people:
        for r in roles:
            if (pid, r) in pick and solver.Value(pick[pid, r]):
                out.update({(pid, s): r for s in slots})
    return out


def _deviations(m: cp_model.CpModel, groups: dict, targets: dict) -> list:
    """One integer per (class, slot, role) group: at least |persons on it - the count wanted|."""
    out = []
    for key, terms in groups.items():
        want = targets.get(key, 0)
        dev = m.NewIntVar(0, max(len(terms), want), f"dev_{len(out)}")  # a count wanted beyond the people counts too
        m.Add(sum(terms) - want <= dev)
        m.Add(want - sum(terms) <= dev)
        out.append(dev)
    return out


def _broken_limits(m: cp_model.CpModel, on_role: dict, minimums: dict, maximums: dict, most: int) -> list:
    """How far each hard role minimum (staff short) and maximum (staff over) is broken: the terms a heavy weight keeps at 0."""
    broken = []
    for (s, r), need in minimums.items():
        short = m.NewIntVar(0, need, f"short_{s}_{r}")
        m.Add(sum(on_role.get((s, r), [])) + short >= need)
        broken.append(short)
    for (s, r), cap in maximums.items():
        extra = m.NewIntVar(0, most, f"extra_{s}_{r}")
        m.Add(sum(on_role.get((s, r), [])) - extra <= cap)
        broken.append(extra)
    return broken


def one_role_each(people, targets: dict, fixed: dict[tuple[str, int], str]) -> dict[tuple[str, int], str]:
    """Each person on one role all day (the certified role their class is wanted on most), kept roles first.

    A whole day on one role breaks no block rule, so this is always an
    assignment, if a poor one; it is the hint role assignment starts from
    and what stands when no time is left to improve on it.
    """
    roles_of = {}
    for pid, roles, slots in people:
        cls = frozenset(roles)
        best = max(sorted(roles), key=lambda r: sum(targets.get((cls, s, r), 0) for s in slots))
        for s in slots:
            roles_of[pid, s] = fixed.get((pid, s), best)
    return roles_of


@dataclass(frozen=True)
class Extension:
    """Slots one person may work beyond their shift today: ``later`` after its end, ``earlier`` before its start.

    Each list runs outward from the shift (the first entry touches it); at
    most ``most`` of them in all, each costing ``weight``. An extension
    carries on the role of the shift's edge, so role blocks only grow.
    """

    later: tuple[int, ...] = ()
    earlier: tuple[int, ...] = ()
    most: int = 0
    weight: int = 0


def _add_extensions(m: cp_model.CpModel, z: dict, people, extensions: dict[str, Extension], on_duty_max: int | None) -> list:
    """Optional slots at the shift's edges (contiguous, the edge's role); the cost terms of those worked."""
    slots_of = {pid: slots for pid, _roles, slots in people}
    roles_of = {pid: roles for pid, roles, _slots in people}
    terms, by_slot = [], {}
    for pid, ext in extensions.items():
        if pid not in slots_of or not slots_of[pid] or ext.most <= 0:
            continue
        worked = []
        for edge, run in ((max(slots_of[pid]), ext.later), (min(slots_of[pid]), ext.earlier)):
            prev_slot, prev_on = edge, None
            for s in run:
                on = m.NewBoolVar(f"ext_{pid}_{s}")
                for r in roles_of[pid]:
                    v = m.NewBoolVar(f"z_{pid}_{s}_{r}")
                    z[pid, s, r] = v
                    m.Add(v <= z[pid, prev_slot, r])  # the edge's role, carried on
                m.Add(sum(z[pid, s, r] for r in roles_of[pid]) == on)
                if prev_on is not None:
                    m.Add(on <= prev_on)  # no gap between the shift and the extension
                by_slot.setdefault(s, []).append(on)
                worked.append(on)
                prev_slot, prev_on = s, on
        m.Add(sum(worked) <= ext.most)
        terms += [ext.weight * v for v in worked]
    if on_duty_max is not None:
        for s, extra in by_slot.items():
            regular = sum(1 for _pid, _roles, slots in people if s in slots)
            m.Add(sum(extra) <= max(0, on_duty_max - regular))
    return terms


def _desk_changes(m: cp_model.CpModel, z: dict, people) -> list:
    """One boolean per pair of neighbouring worked slots of a person, true exactly when the role differs."""
    changes = []
    for pid, roles, slots in people:
        if len(roles) < 2:
            continue
        for a, b in zip(slots, slots[1:]):
            change = m.NewBoolVar(f"change_{pid}_{b}")
            for r in roles:
                m.Add(change >= z[pid, b, r] - z[pid, a, r])
                m.Add(change <= 2 - z[pid, b, r] - z[pid, a, r])  # same role: no change, even in a roster short of optimal
            changes.append(change)
    return changes
