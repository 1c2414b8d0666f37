"""A proven lower bound for big rosters that prices waiting: a small LP of staff grouped by certificates and pay.

Why: from 60 staff on, CP-SAT does not finish the full model's root LP in
the time limit, and the per-person bound
(:mod:`~staffline.optimizer.search.relaxed_bound`) prices only the labour
that contract minimums force, never the waiting: on the generated 300-staff
week the reported gap (7.3% at 300 s) was mostly that missing wait. GLOP did
not finish the full model's LP in time either (60 staff: no bound in 30 s):
it has a variable per person, shift and day and the role-block rows.

This LP keeps what decides the wait and the cost and little else:

* ``X[g, d, t]``: how many of group ``g`` (staff with the same certificates
  and the same pay) work template ``t`` on day ``d``, at most the members it
  fits and no rule excludes, at least those a rule imposes it on;
* per group and day at most one shift a member; per group the contract
  hours and working days rules summed over its members (hard rules, so
  their sum holds too), the headcount and staff-per-day caps;
* ``O[c, d, s]``: class ``c``'s staff on duty (shifts' worked parts
  chained over the day), split into roles ``Y[c, d, s, r]`` with every
  on-duty person on one certified role, as in the roster model;
* hard role minimums (``min_on_duty``, coverage minimums and maximums);
* ``W[r, d, s]`` above every tangent of the role's wait curve at the free
  staff ``sum_c Y - busy``: the roster model's own cuts, exact at integers;
* objective: the waits plus each shift's labour cost at the model's
  integer coefficients. Soft rules' penalties are never negative and are
  left out.

Why it is valid: summing per-person constraints over a group gives
constraints every roster satisfies, every other row is one the roster
model has (or implies) over the same counts, and the objective is the
model's minus terms that are never negative. So every roster of the model
gives a point of this LP at no more than its objective, and the LP optimum,
and any dual bound of it (:func:`~staffline.optimizer.search.lp_bound.dual_bound`),
is at most the roster optimum. CLP's barrier solves it
(:func:`~staffline.optimizer.search.lp_bound.clp_bound`): 5.3 s at 60
staff, 25.5 s at 300 (4 roles, idle, stop 51's machine), where GLOP's dual
simplex had not finished at 60 staff after 120 s. What it drops (rest, consecutive days,
role blocks, per-person integrality) only weakens it; the per-person bound
covers per-person integrality, and the better of the two is reported.
Desk changes are optional (``desk_changes``, :func:`_desk_change_rows`):
they raise the bound by 0.4-1.9% at 60-300 staff, but take CLP 1-3x as
long (60 staff, 4 roles: 11.5 s; 5 roles: 35.4 s), so the search gets the
plain LP first and this one later.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from staffline.constraints.rules import ContractHours, Coverage, HeadcountOnDuty, MinOnDuty, StaffPerDay, WorkingDays
from staffline.optimizer.core.branch_model import SCALE, RosterBuilder
from staffline.optimizer.core.templates import lunch_pairs
from staffline.optimizer.search.lp_bound import LinearRelaxation, LpResult, clp_bound


class _Lp:
    """An LP under construction: variables with bounds and costs, rows as sparse (column, coefficient) lists."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.cost: list[float] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []

    def var(self, lo: float, hi: float, cost: float = 0.0) -> int:
        self.lower.append(lo)
        self.upper.append(hi)
        self.cost.append(cost)
        return len(self.cost) - 1

    def row(self, terms: dict[int, float], lo: float, hi: float) -> None:
        k = len(self.row_lo)
        for col, val in terms.items():
            if val:
                self.rows.append(k)
                self.cols.append(col)
                self.vals.append(val)
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def relaxation(self) -> LinearRelaxation:
        return LinearRelaxation(
            np.asarray(self.lower, dtype=float),
            np.asarray(self.upper, dtype=float),
            np.asarray(self.cost, dtype=float),
            0.0,
            np.asarray(self.row_lo, dtype=float),
            np.asarray(self.row_hi, dtype=float),
            np.asarray(self.rows, dtype=np.int64),
            np.asarray(self.cols, dtype=np.int64),
            np.asarray(self.vals, dtype=float),
        )


@dataclass
class StaffingLp:
    """The grouped LP and where its columns are: ``X[g, d, t]``, ``O[c, d, s]``, ``Y[c, d, s, r]``, ``W[r, d, s]``, ``N[r, d, s]``.

    A group ``g`` is (certificates, pay per hour); a class ``c`` is a set of certificates.
    """

    relaxation: LinearRelaxation
    X: dict[tuple[tuple, int, int], int]
    O: dict[tuple[frozenset, int, int], int]
    Y: dict[tuple[frozenset, int, int, str], int]
    W: dict[tuple[str, int, int], int]
    N: dict[tuple[str, int, int], int]  # the staff on role r, where the wait rows read a sum over several classes' Y (:func:`_role_total`)
    changes: dict[tuple, int]  # the desk-change columns, when asked for (:func:`_desk_change_rows`)


def staffing_lp(b: RosterBuilder, desk_changes: bool = False) -> StaffingLp | None:
    """The grouped LP of the module docstring for the built model ``b`` (objective in the model's scaled units).

    ``desk_changes`` adds the model's lower bound on desk changes, priced
    (:func:`_desk_change_rows`): a tighter LP that takes CLP several times
    as long.

    None when the model has a soft rule with a negative weight (its
    penalty could then be negative, and leaving it out would not be a
    relaxation) or was built for diagnosis (rules switchable).
    """
    if b.diagnose or any(coef < 0 for terms in b.penalties.values() for _, coef in terms):
        return None
    lp = _Lp()
    cost_weight = b.branch.objective.cost_weight * SCALE
    group_of: dict[int, tuple] = {}
    members: dict[tuple, list[int]] = defaultdict(list)
    for i, e in enumerate(b.employees):
        key = (frozenset(e.roles), e.contract.cost_per_hour)
        group_of[i] = key
        members[key].append(i)
    proto_vars = b.model.proto.variables
    X: dict[tuple[tuple, int, int], int] = {}
    for g, people in members.items():
        for d, day in enumerate(b.days):
            cap: dict[int, int] = defaultdict(int)
            least: dict[int, int] = defaultdict(int)
            working = 0
            for i in people:
                allowed = [t for t, var in b.allowed(i, d).items() if _most(proto_vars[var.Index()].domain) >= 1]
                working += bool(allowed)
                for t in allowed:
                    cap[t] += 1
                if b.required.get((i, d)) is not None:
                    least[b.required[i, d]] += 1
            for t, most in cap.items():
                paid = day.templates[t].paid_minutes
                X[g, d, t] = lp.var(least[t], most, round(paid / 60 * g[1] * cost_weight))
            if cap:
                lp.row({X[g, d, t]: 1 for t in cap}, 0, working)
    _contract_rows(b, lp, X, group_of, members)
    events = _class_events(b, X, members)
    O = _on_duty(b, lp, members, events)
    Y = _roles(b, lp, O)
    _caps(b, lp, X, O)
    W, N = _waits(b, lp, Y)
    changes = _desk_change_rows(b, lp, members, events, Y) if desk_changes else {}
    return StaffingLp(lp.relaxation(), X, O, Y, W, N, changes)


def _most(domain) -> int:
    """A proto domain's largest value (the repeated field takes no negative index)."""
    return domain[len(domain) - 1]


def _contract_rows(b: RosterBuilder, lp: _Lp, X: dict, group_of: dict, members: dict) -> None:
    """Each group's contract hours and working days, per the rules' day sets, summed over its members."""
    minutes: dict[tuple, list[list[float]]] = {}
    days_worked: dict[tuple, list[list[float]]] = {}
    for r in b.rules:
        if isinstance(r, ContractHours):
            table, lo, hi = minutes, r.min_minutes, r.max_minutes
        elif isinstance(r, WorkingDays):
            table, lo, hi = days_worked, r.minimum, r.maximum
        else:
            continue
        key = (group_of[r.employee], tuple(r.days) or tuple(range(len(b.days))))
        sums = table.setdefault(key, [[0.0, 0.0], []])
        sums[0][0] += lo
        sums[0][1] += hi
        sums[1].append(r.employee)
    of_group = _columns_by(X, lambda key: key[0])  # group -> its ((g, d, t), column) pairs
    for table, weight in ((minutes, lambda d, t: b.days[d].templates[t].paid_minutes), (days_worked, lambda d, t: 1)):
        for (g, days), ((lo, hi), ruled) in table.items():
            if len(set(ruled)) != len(ruled):
                hi = math.inf  # two rules over the same days for one person: only their minimums add up safely
            if len(set(ruled)) < len(members[g]):
                hi = math.inf  # a member without such a rule has no upper limit here
            chosen = set(days)
            terms = {col: weight(d, t) for (_, d, t), col in of_group.get(g, ()) if d in chosen}
            if terms:
                lp.row(terms, lo, hi)


def _on_duty(b: RosterBuilder, lp: _Lp, members: dict, events: dict) -> dict[tuple[frozenset, int, int], int]:
    """``O[c, d, s]``: class c's staff on duty, chained: ``O[s] = O[s-1] + parts starting at s - parts ending at s-1``."""
    O = {}
    for c, groups in _classes(members).items():
        size = sum(len(members[g]) for g in groups)
        for d, day in enumerate(b.days):
            arrive, leave = events[c, d]["arrive"], events[c, d]["leave"]
            previous = None
            for s in range(len(day.slots)):
                O[c, d, s] = lp.var(0, size)
                terms = {O[c, d, s]: 1.0}
                if previous is not None:
                    terms[previous] = -1.0
                for col, k in arrive[s].items():
                    terms[col] = terms.get(col, 0) - k
                if s:
                    for col, k in leave[s - 1].items():
                        terms[col] = terms.get(col, 0) + k
                lp.row(terms, 0, 0)
                previous = O[c, d, s]
    return O


def _roles(b: RosterBuilder, lp: _Lp, O: dict) -> dict[tuple[frozenset, int, int, str], int]:
    """``Y[c, d, s, r]``: every class's on-duty staff split over its certified roles, with the hard role minimums and maximums."""
    Y = {}
    for (c, d, s), on in O.items():
        for r in sorted(c):
            Y[c, d, s, r] = lp.var(0, lp.upper[on])
        lp.row({**{Y[c, d, s, r]: 1.0 for r in c}, on: -1.0}, 0, 0)
    n_terms = staff_on_role(Y)
    for rule in b.rules:
        if isinstance(rule, MinOnDuty):
            for d, day in enumerate(b.days):
                for s in range(len(day.slots)):
                    lp.row(n_terms.get((rule.role, d, s), {}), rule.minimum, math.inf)
        elif isinstance(rule, Coverage) and rule.hard:
            for d, day in enumerate(b.days):
                for s, moment in enumerate(day.slots):
                    if rule.selects(day.date, moment):
                        hi = math.inf if rule.maximum is None else rule.maximum
                        lp.row(n_terms.get((rule.role, d, s), {}), rule.minimum or 0, hi)
    return Y


def staff_on_role(Y: dict) -> dict[tuple[str, int, int], dict[int, float]]:
    """``n[r, d, s]`` as the Y columns that add up to it (coefficient 1 each)."""
    n_terms: dict[tuple[str, int, int], dict[int, float]] = defaultdict(dict)
    for (c, d, s, r), col in Y.items():
        n_terms[r, d, s][col] = 1.0
    return n_terms


def _caps(b: RosterBuilder, lp: _Lp, X: dict, O: dict) -> None:
    """The hard headcount per slot and staff per day."""
    on_duty_at = _columns_by(O, lambda key: (key[1], key[2]))  # (day, slot) -> the classes' on-duty columns
    working_on = _columns_by(X, lambda key: key[1])  # day -> the groups' template columns
    for rule in b.rules:
        if isinstance(rule, HeadcountOnDuty):
            for d, day in enumerate(b.days):
                for s in range(len(day.slots)):
                    lp.row({col: 1.0 for _, col in on_duty_at.get((d, s), ())}, -math.inf, rule.maximum)
        elif isinstance(rule, StaffPerDay):
            for d in range(len(b.days)):
                lp.row({col: 1.0 for _, col in working_on.get(d, ())}, -math.inf, rule.maximum)


def _columns_by(columns: dict, key_of) -> dict:
    """``columns`` (key -> column) as (key, column) pairs grouped by ``key_of(key)``, in one pass: each row then reads only its own."""
    grouped: dict = defaultdict(list)
    for key, col in columns.items():
        grouped[key_of(key)].append((key, col))
    return grouped


def _waits(b: RosterBuilder, lp: _Lp, Y: dict) -> tuple[dict[tuple[str, int, int], int], dict[tuple[str, int, int], int]]:
    """``W[r, d, s]``: each role and slot's wait, above the tangents of its curve at the free staff (the model's ``add_wait_cuts``); and the ``N`` columns they read."""
    n_terms = staff_on_role(Y)
    W, N = {}, {}
    for d in range(len(b.days)):
        for r, (values, busy) in b.wait_values(d).items():
            for s in range(values.shape[0]):
                curve = values[s]
                if curve.max() == 0:
                    continue
                w = W[r, d, s] = lp.var(0, float(curve.max()), 1.0)
                staff = n_terms.get((r, d, s), {})
                if len(staff) > 1:
                    N[r, d, s] = _role_total(lp, staff)
                    staff = {N[r, d, s]: 1.0}
                slope = None
                for k in range(len(curve) - 1):
                    if curve[k + 1] - curve[k] == slope:
                        continue
                    slope = float(curve[k + 1] - curve[k])
                    # w >= v[k] + slope (n - busy - k)  <=>  w - slope n >= v[k] - slope (busy + k)
                    lp.row({w: 1.0, **{col: -slope for col in staff}}, float(curve[k]) - slope * (int(busy[s]) + k), math.inf)
    return W, N


def _role_total(lp: _Lp, terms: dict[int, float]) -> int:
    """A new column equal to the sum of the ``terms`` columns (the staff on one role and slot, over the classes that hold it).

    Why: every tangent row of a role's wait reads the staff on that role,
    the sum of the role's Y over all classes that hold it. Written out in
    each row, those sums made the LP dense where CLP's barrier factorises
    it: at 6 roles (28 classes, 60 staff) the plain LP took 47.7 s, with
    the sum as one column 13.2 s (4 roles, 13 classes: 8.3 -> 6.7 s). The
    column's upper bound is finite, as :func:`~staffline.optimizer.search.lp_bound.dual_bound`
    needs to prove a bound from inexact duals.
    """
    total = lp.var(0, sum(lp.upper[col] * coef for col, coef in terms.items()))
    lp.row({total: 1.0, **{col: -coef for col, coef in terms.items()}}, 0, 0)
    return total


def _desk_change_rows(b: RosterBuilder, lp: _Lp, members: dict, events: dict, Y: dict) -> dict[tuple, int]:
    """The roster model's lower bound on desk changes within shift parts (``RosterBuilder._role_change_bound``), over group counts, priced.

    Why: the LP without it moves its role split from slot to slot for free,
    where a person-level roster pays a desk change for most such moves: on
    the generated 60-staff week the bound rises from 13,239.6 to 13,356.1
    with it (the roster as written pays 130-160 for desk changes).

    Per class, day and slot, the members who start a shift part there
    (``arrive``: shift start or back from a break) and who end one after it
    (``leave``) are split by role within the role counts ``y``; a switch
    into role r at s is at least ``y[s, r] - y[s-1, r] + leave[s-1, r] -
    arrive[s, r]``. The events are the groups' template counts summed over
    the class, so every roster gives the splits their true values and the
    rows hold: the LP stays a relaxation. Changes over lunch are bounded
    per lunch as the model bounds them (``RosterBuilder._break_groups``):
    those back from a lunch (``back``) and those who left for it (``out``)
    are split by role within the arrivals' and leavers' splits (at 60
    staff: +3.8 to the bound, CLP 12.1 s instead of 9.2). Where lunches do
    not pair one to one (:func:`~staffline.optimizer.core.templates.lunch_pairs`),
    the LP leaves them out: weaker, still valid. Returns the columns by
    (what, class, day, slot, role), for tests.
    """
    coef = round(b.branch.objective.role_change_weight * SCALE)
    if not coef:
        return {}
    columns: dict[tuple, int] = {}
    lunches = [lunch_pairs(day.templates) or {} for day in b.days]
    for c, groups in _classes(members).items():
        if len(c) < 2:
            continue
        roles = sorted(c)
        size = sum(len(members[g]) for g in groups)
        for d, day in enumerate(b.days):
            for what, within in (("arrive", None), ("leave", None), ("back", "arrive"), ("out", "leave")):
                for s, counted in enumerate(events[c, d][what]):
                    if counted:  # split by role within the role counts, or within the split of the events they are part of
                        for r in roles:
                            columns[what, c, d, s, r] = lp.var(0, size)
                            outer = Y[c, d, s, r] if within is None else columns[within, c, d, s, r]
                            lp.row({columns[what, c, d, s, r]: 1.0, outer: -1.0}, -math.inf, 0)
                        lp.row({**{columns[what, c, d, s, r]: 1.0 for r in roles}, **{col: -k for col, k in counted.items()}}, 0, 0)
            for u, v in lunches[d].items():
                if ("out", c, d, u, roles[0]) in columns and ("back", c, d, v, roles[0]) in columns:
                    for r in roles:  # back from lunch on r, more than left for it from r: that many changed desk
                        over = columns["over_break", c, d, u, r] = lp.var(0, size, coef)
                        lp.row({over: 1.0, columns["back", c, d, v, r]: -1.0, columns["out", c, d, u, r]: 1.0}, 0, math.inf)
            for s in range(1, len(day.slots)):
                for r in roles:
                    switch = columns["switch", c, d, s, r] = lp.var(0, size, coef)
                    terms = defaultdict(float, {switch: 1.0, Y[c, d, s, r]: -1.0})
                    terms[Y[c, d, s - 1, r]] += 1.0
                    if ("leave", c, d, s - 1, r) in columns:
                        terms[columns["leave", c, d, s - 1, r]] -= 1.0
                    if ("arrive", c, d, s, r) in columns:
                        terms[columns["arrive", c, d, s, r]] += 1.0
                    lp.row(terms, 0, math.inf)
    return columns


def _classes(members: dict[tuple, list[int]]) -> dict[frozenset, list[tuple]]:
    """The groups of each class (a group is (certificates, pay); its class, the certificates)."""
    classes: dict[frozenset, list[tuple]] = defaultdict(list)
    for g in members:
        classes[g[0]].append(g)
    return classes


def _class_events(b: RosterBuilder, X: dict, members: dict) -> dict[tuple[frozenset, int], dict[str, list[dict[int, float]]]]:
    """Per (class, day) and slot, the template columns, with multiplicity, whose shift parts start there (``arrive``) or end there (``leave``), and of those the lunches' (``back``, ``out``).

    Built once: the on-duty chaining and the desk-change rows both read them.
    """
    events = {}
    for c, groups in _classes(members).items():
        for d, day in enumerate(b.days):
            at = events[c, d] = {what: [defaultdict(float) for _ in day.slots] for what in ("arrive", "leave", "back", "out")}
            for g in groups:
                for t, tpl in enumerate(day.templates):
                    col = X.get((g, d, t))
                    if col is None:
                        continue
                    parts = tpl.parts
                    for part in parts:
                        at["arrive"][part[0]][col] += 1
                        at["leave"][part[-1]][col] += 1
                    for before, after in zip(parts, parts[1:]):
                        at["out"][before[-1]][col] += 1
                        at["back"][after[0]][col] += 1
    return events


@dataclass
class StaffingBound:
    """The LP's proven bound (``result.bound``, scaled units) and, when solved, its on-duty staff per (class, day, slot)."""

    result: LpResult
    on_duty: dict[tuple[frozenset, int, int], float] | None = None

    @classmethod
    def none(cls, seconds: float = 0.0) -> "StaffingBound":
        """No bound (-inf) and no target: there was no LP, or solving it failed."""
        return cls(LpResult(-math.inf, None, False, seconds))


def staffing_bound(b: RosterBuilder, time_limit: float, desk_changes: bool = False) -> StaffingBound:
    """A proven lower bound of ``b``'s objective (scaled units, as ``BestObjectiveBound``) from :func:`staffing_lp`.

    ``time_limit`` wall seconds for everything (building the LP included).
    The bound is -inf when there is none (no LP, or not solved in time).
    """
    started = time.perf_counter()
    built = staffing_lp(b, desk_changes)
    if built is None:
        return StaffingBound.none(time.perf_counter() - started)
    result = clp_bound(built.relaxation, time_limit - (time.perf_counter() - started))
    result.seconds = time.perf_counter() - started
    if result.values is None:
        return StaffingBound(result)
    return StaffingBound(result, {key: float(result.values[col]) for key, col in built.O.items()})
