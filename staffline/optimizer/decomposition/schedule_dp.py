"""The cheapest schedule of one employee over a horizon, by dynamic programming over days.

Why: column generation (:mod:`staffline.optimizer.decomposition.column_generation`) asks,
thousands of times, for one employee's cheapest schedule against new prices.
CP-SAT answers in 25-45 ms a call on the Curtois instances; this DP answers
the same question exactly in a few milliseconds, because one person's day x
shift-type rules only need a small state carried from day to day:

- the last shift's *class* (shift types that forbid the same successors),
  for forbidden successions;
- the current run: consecutive days worked (up to the maximum) or off (up to
  the minimum), and whether the run began on the first day (exempt from the
  minimums, as :class:`~staffline.constraints.shift_type_rules.MinimumRun`
  says);
- minutes worked so far, in steps of the shift lengths' greatest common
  divisor, for the contract's minimum and maximum;
- weekends worked so far, and whether the current weekend already counts.

Per-shift-type maximums (:class:`ShiftTypeLimit` below the number of days)
are not in the state: the caller prices them with Lagrange multipliers
(:func:`counts`) and checks the result.

:func:`read_rules` turns the rule objects of one employee into
:class:`ScheduleRules`; it returns None for any rule it does not know, and
the caller then prices that employee with CP-SAT, so the DP can never drop a
rule silently. A test compares both on random prices.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from staffline.constraints.rules import Availability, ConsecutiveDays, ContractHours
from staffline.constraints.shift_type_rules import ForbiddenSuccession, MaxWorkedWeekends, MinimumRun, ShiftTypeLimit, ShiftTypeRequest
from staffline.optimizer.decomposition import schedule_dp_kernel as kernel

INF = math.inf


@dataclass
class ScheduleRules:
    """One employee's rules as the DP needs them (template indices, day indices, minutes)."""

    template_ids: list[str]
    minutes: list[int]
    allowed: list[bool]  # template may be worked at all (fits the employee, limit above 0)
    available: list[bool]  # per day
    forbidden: set[tuple[int, int]] = field(default_factory=set)  # (today, tomorrow) template pairs
    max_run: int | None = None
    min_work: int = 1
    min_off: int = 1
    work_edges_exempt: bool = True
    off_edges_exempt: bool = True
    min_minutes: int = 0
    max_minutes: int | None = None
    weekends: list[list[int]] = field(default_factory=list)  # day indices of each weekend (Sat/Sun of one ISO week)
    max_weekends: int | None = None
    limits: dict[int, int] = field(default_factory=dict)  # template -> most times over the horizon (binding ones)
    request_constant: float = 0.0  # penalties paid by an empty schedule (shift-on requests)
    request_costs: dict[tuple[int, int], float] = field(default_factory=dict)  # (day, template) -> added penalty

    @property
    def n_days(self) -> int:
        return len(self.available)


def read_rules(employee, days, rules) -> ScheduleRules | None:
    """The DP's view of ``rules`` (all of one employee), or None if any of them is beyond it."""
    ids = [tpl.id for tpl in days[0].templates] if days else []
    if any([tpl.id for tpl in day.templates] != ids for day in days):
        return None  # the DP assumes the same shift types every day
    templates = days[0].templates if days else []
    index = {t: k for k, t in enumerate(ids)}
    r = ScheduleRules(ids, [int(tpl.paid_minutes) for tpl in templates], [tpl.fits(employee) for tpl in templates], [True] * len(days))
    weekends: dict[tuple[int, int], list[int]] = {}
    for d, day in enumerate(days):
        if day.date.weekday() >= 5:
            weekends.setdefault(day.date.isocalendar()[:2], []).append(d)
    run_exemptions: dict[bool, set[bool]] = {True: set(), False: set()}
    for rule in rules:
        if isinstance(rule, ShiftTypeRequest) and not rule.hard:
            t = index.get(rule.shift)
            if t is None:
                continue
            if rule.on:
                r.request_constant += rule.weight
            sign = -1.0 if rule.on else 1.0
            r.request_costs[rule.day, t] = r.request_costs.get((rule.day, t), 0.0) + sign * rule.weight
            continue
        if not rule.hard:
            return None
        if isinstance(rule, Availability):
            for d, day in enumerate(days):
                if employee.is_unavailable(day.date):
                    r.available[d] = False
        elif isinstance(rule, ShiftTypeLimit):
            t = index.get(rule.shift)
            if t is None:
                continue
            if rule.maximum <= 0:
                r.allowed[t] = False
            else:
                r.limits[t] = min(r.limits.get(t, rule.maximum), rule.maximum)
        elif isinstance(rule, ForbiddenSuccession):
            r.forbidden |= {(index[a], index[b]) for a, b in rule.pairs if a in index and b in index}
        elif isinstance(rule, ContractHours):
            if rule.days and set(rule.days) != set(range(len(days))):
                return None  # one week of a longer plan (--weeks): the DP counts minutes over the whole horizon only
            r.min_minutes = max(r.min_minutes, int(rule.min_minutes))
            r.max_minutes = int(rule.max_minutes) if r.max_minutes is None else min(r.max_minutes, int(rule.max_minutes))
        elif isinstance(rule, ConsecutiveDays):
            if any(rule.previous):
                return None  # days worked before the horizon: not in the DP's start state
            r.max_run = rule.maximum if r.max_run is None else min(r.max_run, rule.maximum)
        elif isinstance(rule, MinimumRun):
            run_exemptions[rule.working].add(rule.edges_exempt)
            if rule.working:
                r.min_work = max(r.min_work, rule.minimum)
            else:
                r.min_off = max(r.min_off, rule.minimum)
        elif isinstance(rule, MaxWorkedWeekends):
            r.max_weekends = rule.maximum if r.max_weekends is None else min(r.max_weekends, rule.maximum)
        else:
            return None
    for working, flags in run_exemptions.items():
        if len(flags) > 1:
            return None  # exempt and not exempt minimums of the same kind: not modelled
        exempt = flags.pop() if flags else True
        if working:
            r.work_edges_exempt = exempt
        else:
            r.off_edges_exempt = exempt
    r.weekends = list(weekends.values())
    available_days = sum(r.available)
    r.limits = {t: k for t, k in r.limits.items() if r.allowed[t] and k < available_days}  # the rest never bind
    return r


def counts(rules: ScheduleRules, shifts: tuple[int, ...]) -> dict[int, int]:
    """Times each limited template is worked in ``shifts``."""
    worked = {t: 0 for t in rules.limits}
    for t in shifts:
        if t in worked:
            worked[t] += 1
    return worked


def request_cost(rules: ScheduleRules, shifts: tuple[int, ...]) -> float:
    """The employee's request penalties for ``shifts`` (exactly what the full model charges)."""
    return rules.request_constant + sum(rules.request_costs.get((d, t), 0.0) for d, t in enumerate(shifts) if t >= 0)


_thread_scratch = threading.local()


def _scratch(size: int) -> np.ndarray:
    """This thread's state memory, at least ``size`` floats, reused by every DP call on the thread.

    Why: the states of all days (needed for the walk back) reach 60 MB a
    call on 84-day horizons; fresh memory each call cost more than the DP.
    One buffer per thread, not per employee, keeps the footprint at one
    employee's worth per pricing thread.
    """
    buffer = getattr(_thread_scratch, "buffer", None)
    if buffer is None or buffer.size < size:
        buffer = _thread_scratch.buffer = np.empty(size)
    return buffer[:size]


def _inverse_moves(moves: np.ndarray) -> np.ndarray:
    """The walk back's view of ``moves[g, weekend, source] = target``: ``[g, weekend, target]`` -> its (at most two) sources, -1 padded.

    The compiled walk back reads two slots per target. Vectorised: a Python
    loop over every move took 4.5 of the 5 s spent building Instance13's
    120 pricers, seconds its 60 s root needs (0.28 s against 0.005 s for
    twelve of them; the tables are identical on Instances 1-19).
    """
    inverse = np.full(moves.shape + (2,), -1, dtype=np.int64)
    g, weekend, source = np.nonzero(moves >= 0)  # sources ascending within each (g, weekend)
    target = moves[g, weekend, source]
    key = np.ravel_multi_index((g, weekend, target), moves.shape)
    order = np.argsort(key, kind="stable")
    key, source = key[order], source[order]
    second = np.zeros(len(key), dtype=bool)  # the target's second source (its first fills slot 0)
    second[1:] = key[1:] == key[:-1]
    if (second[1:] & second[:-1]).any():
        raise AssertionError("a DP state is reached from more than two states by one move")
    inverse.reshape(-1, 2)[key, second.astype(np.int64)] = source
    return inverse


class DpTooLarge(Exception):
    """The DP would hold more state memory a call than it was allowed (:class:`ScheduleDP`'s ``max_scratch_bytes``)."""


class ScheduleDP:
    """Forward DP over days with dense state arrays (compiled: :mod:`.schedule_dp_kernel`), then a backward walk.

    Work states ``W[c, r, e, m, k, w, f]``: last shift class c, run of r + 1
    days, e = run began on day 0, m minutes steps, k the counts of the
    limited shift types in the state (mixed radix), w weekends, f = this
    weekend already counted. Off states ``O[i, m, k, w, f]``: i < Q = off for
    i + 1 days (Q - 1: at least Q), i = Q: off since day 0.

    Shift-type maximums enter the state (tightest first) while the work
    states stay within ``max_states``; the rest are left to the caller
    (:attr:`relaxed_limits`). A DP whose calls would hold more than
    ``max_scratch_bytes`` of states (:attr:`scratch_bytes`) raises
    :class:`DpTooLarge` before building anything else.
    """

    def __init__(self, rules: ScheduleRules, max_states: int = 40_000, max_scratch_bytes: int | None = None):
        self.rules = rules
        n_t = len(rules.template_ids)
        self.usable = [t for t in range(n_t) if rules.allowed[t]]
        # classes of 'yesterday's shift': templates that forbid the same successors
        successors = {t: frozenset(b for a, b in rules.forbidden if a == t) for t in self.usable}
        keys = sorted(set(successors.values()), key=sorted)
        self.class_of = {t: keys.index(successors[t]) for t in self.usable}
        self.n_classes = max(1, len(keys))
        contract = rules.max_minutes is not None
        lengths = [rules.minutes[t] for t in self.usable if rules.minutes[t] > 0]
        self.step = math.gcd(*lengths) if contract and lengths else 0
        self.n_minutes = rules.max_minutes // self.step + 1 if self.step else 1
        self.runs = rules.max_run if rules.max_run is not None else rules.n_days
        self.q = max(1, rules.min_off)
        limited = rules.max_weekends is not None and rules.max_weekends < len(rules.weekends)
        self.n_weekends = rules.max_weekends + 1 if limited else 1
        self.n_flags = 2 if limited else 1
        # limited shift types counted in the state (tightest first, while the state stays small)
        base = self.n_classes * self.runs * 2 * self.n_minutes * self.n_weekends * self.n_flags
        self.stride: dict[int, int] = {}
        self.n_counts = 1
        for t, most in sorted(rules.limits.items(), key=lambda item: item[1]):
            if base * self.n_counts * (most + 1) > max_states:
                continue
            self.stride[t] = self.n_counts
            self.n_counts *= most + 1
        self.relaxed_limits = {t: k for t, k in rules.limits.items() if t not in self.stride}
        digits = np.arange(self.n_counts)
        self.count_moves = {}  # limited type -> (count indices that may grow, the same one higher)
        for t, stride in self.stride.items():
            grows = np.flatnonzero((digits // stride) % (rules.limits[t] + 1) < rules.limits[t])
            self.count_moves[t] = (grows, grows + stride)
        # decision groups: same class, same length, forbidden after the same classes (a counted type alone)
        groups: dict[tuple, list[int]] = {}
        for t in self.usable:
            after = tuple(c for c, key in enumerate(keys) if t in key)
            length = rules.minutes[t] // self.step if self.step else 0
            groups.setdefault((self.class_of[t], length, after, t if t in self.stride else None), []).append(t)
        self.groups = []
        for (c, length, after, counted), members in groups.items():
            allowed_prev = np.array([k for k in range(self.n_classes) if k not in after], dtype=int)
            self.groups.append((c, length, allowed_prev, members, counted))
        self.weekend_day = [False] * rules.n_days
        self.weekend_start = [False] * rules.n_days
        if limited:
            for days in rules.weekends:
                for d in days:
                    self.weekend_day[d] = True
                self.weekend_start[min(days)] = True
        self.tail = (self.n_minutes, self.n_counts, self.n_weekends, self.n_flags)
        if max_scratch_bytes is not None and self.scratch_bytes > max_scratch_bytes:
            raise DpTooLarge(f"{self.scratch_bytes / 1024**3:.1f} GB of states a call")  # before the tables: they took 13 s on Instance23
        self._kernel_tables()

    # ----- forward -----------------------------------------------------------
    def _kernel_tables(self):
        """The groups as the compiled forward pass takes them (built once per employee).

        ``moves[g, weekend, t]``: the flat tail index a state at tail index t
        reaches by working group g (-1: past the contract's minutes or the
        type's maximum, or a weekend beyond the limit).
        """
        m, k, w, f = np.meshgrid(*(np.arange(n) for n in self.tail), indexing="ij")
        order = sorted(range(len(self.groups)), key=lambda g: tuple(self.groups[g][2]))  # one minimum per set of classes
        self.groups = [self.groups[g] for g in order]
        masks: list[tuple[int, ...]] = []
        rows, moves = [], []
        for c, length, allowed_prev, _, counted in self.groups:
            key = tuple(int(p) for p in allowed_prev)
            if key not in masks:
                masks.append(key)
            rows.append((c, masks.index(key)))
            k2 = k.copy()
            if counted is not None:
                stride, most = self.stride[counted], self.rules.limits[counted]
                k2 = np.where((k // stride) % (most + 1) < most, k + stride, -1)
            m2 = m + length
            per_day = []
            for weekend in (False, True):
                w2, f2 = (np.where(f == 0, w + 1, w), np.ones_like(f)) if weekend else (w, f)
                ok = (m2 < self.n_minutes) & (k2 >= 0) & (w2 < self.n_weekends) & (f2 < self.n_flags)
                flat = np.ravel_multi_index((np.where(ok, m2, 0), np.where(ok, k2, 0), np.where(ok, w2, 0), np.where(ok, f2, 0)), self.tail)
                per_day.append(np.where(ok, flat, -1).ravel())
            moves.append(per_day)
        allowed = np.zeros((max(1, len(masks)), self.n_classes), dtype=np.bool_)
        for i, key in enumerate(masks):
            allowed[i, list(key)] = True
        n_tail = int(np.prod(self.tail))
        self._group_rows = np.array(rows, dtype=np.int64).reshape(-1, 2)
        self._moves = np.array(moves, dtype=np.int64).reshape(-1, 2, n_tail)
        self._inverse = _inverse_moves(self._moves)
        self._allowed_prev = allowed
        limited = self.n_flags == 2
        self._weekend_day = np.array([limited and v for v in self.weekend_day], dtype=np.int64)
        self._weekend_start = np.array([limited and v for v in self.weekend_start], dtype=np.bool_)
        self._window = self._live_windows()

    def _live_windows(self) -> np.ndarray:
        """[d] = (lo, hi): the tail indices a state of day d can hold on a schedule that may still end within the contract.

        Minutes lead the tail, so a bound on the minutes is one range of it:
        at most the longest shift on every available day so far, and at
        least the contract's minimum less the longest shift on every
        available day still to come (fewer cannot reach the minimum). The
        forward pass computes only these ranges (:func:`~.schedule_dp_kernel.forward`).
        """
        n_days, n_tail = self.rules.n_days, int(np.prod(self.tail))
        window = np.zeros((n_days, 2), dtype=np.int64)
        window[:, 1] = n_tail
        if not self.step:
            return window
        longest = max((length for _, length, _, _, _ in self.groups), default=0)
        per_day = np.where(np.array(self.rules.available, dtype=bool), longest, 0)
        so_far = np.cumsum(per_day)  # minute steps reachable by the end of day d
        to_come = per_day[::-1].cumsum()[::-1] - per_day  # after day d
        short = -(-self.rules.min_minutes // self.step)
        inner = n_tail // self.n_minutes
        most = np.minimum(so_far, self.n_minutes - 1) + 1
        least = np.minimum(np.maximum(0, short - to_come), most)  # an empty range when the minimum is out of reach
        window[:, 0], window[:, 1] = least * inner, most * inner
        return window

    def _day_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The shapes of every day's work and off states, as the forward pass keeps them all for the walk back."""
        n_tail = int(np.prod(self.tail))
        return (self.rules.n_days, self.n_classes, self.runs, 2, n_tail), (self.rules.n_days, self.q + 1, n_tail)

    @property
    def states(self) -> int:
        """Work and off states a day: what one call's time grows with."""
        work_shape, off_shape = self._day_shapes()
        return math.prod(work_shape[1:]) + math.prod(off_shape[1:])

    @property
    def scratch_bytes(self) -> int:
        """The state memory one call takes on its thread (:func:`_scratch`): every day's states, kept for the walk back."""
        return 8 * self.rules.n_days * self.states

    def _group_costs(self, costs: np.ndarray) -> np.ndarray:
        """[d, g]: the cheapest member of each group on each day (members are interchangeable to the state)."""
        group_costs = np.full((self.rules.n_days, len(self.groups)), INF)
        for g, (_, _, _, members, _) in enumerate(self.groups):
            group_costs[:, g] = costs[:, members].min(axis=1)
        return group_costs

    def _final(self, work: np.ndarray, off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Copies with the end states the rules forbid (short last runs, too few minutes) at infinity."""
        rules = self.rules
        work, off = work.copy(), off.copy()
        if not rules.work_edges_exempt:
            work[:, : rules.min_work - 1] = INF  # all runs when the minimum exceeds the maximum
        if not rules.off_edges_exempt:
            off[: self.q - 1] = INF
        if self.step:
            short = -(-rules.min_minutes // self.step)  # fewest minute steps allowed
            work[..., : min(short, self.n_minutes), :, :, :] = INF
            off[..., : min(short, self.n_minutes), :, :, :] = INF
        elif rules.min_minutes > 0:
            return np.full_like(work, INF), np.full_like(off, INF)
        return work, off

    def _forward(self, day_costs: np.ndarray, must_work=None):
        """The forward pass shared by :meth:`cheapest` and :meth:`within`.

        Returns the costs with disallowed templates and unavailable days at
        infinity, the per-group costs, each day's cheapest-prefix tables (in
        this thread's scratch memory, valid until its next DP call) and the
        final states' values.
        """
        rules = self.rules
        costs = np.array(day_costs, dtype=float)
        costs[:, [t for t in range(costs.shape[1]) if not rules.allowed[t]]] = INF
        costs[~np.array(rules.available, dtype=bool)] = INF
        must_work = np.zeros(rules.n_days, dtype=bool) if must_work is None else must_work
        group_costs = self._group_costs(costs)
        work_shape, off_shape = self._day_shapes()
        scratch = _scratch(math.prod(work_shape) + math.prod(off_shape))
        days_work = scratch[: math.prod(work_shape)].reshape(work_shape)
        days_off = scratch[math.prod(work_shape) :].reshape(off_shape)
        kernel.forward(
            days_work,
            days_off,
            group_costs,
            self._group_rows,
            self._allowed_prev,
            self._moves,
            np.array(rules.available, dtype=np.bool_),
            np.asarray(must_work, dtype=np.bool_),
            self._weekend_day,
            self._weekend_start,
            rules.min_work,
            rules.work_edges_exempt,
            rules.off_edges_exempt,
            self._window,
        )
        final_work, final_off = self._final(
            days_work[-1].reshape((self.n_classes, self.runs, 2) + self.tail), days_off[-1].reshape((self.q + 1,) + self.tail)
        )
        return costs, group_costs, days_work, days_off, final_work, final_off

    def cheapest(self, day_costs: np.ndarray, count: int = 1, must_work=None) -> list[tuple[tuple[int, ...], float]]:
        """Cheapest schedules for ``day_costs[d, t]`` (cost of working template t on day d), best first.

        The first is optimal; up to ``count - 1`` more are the best schedules
        ending in other end states (other minutes, counts, weekends or last
        runs): a cheap source of different columns. Empty when none exists.
        ``must_work[d]`` rules out a day off on day d (a dive's fixing).
        """
        rules = self.rules
        costs, group_costs, days_work, days_off, final_work, final_off = self._forward(day_costs, must_work)
        ends = np.concatenate([final_work.ravel(), final_off.ravel()])
        count = min(count, int(np.isfinite(ends).sum()))
        if count == 0:
            return []
        chosen = np.argpartition(ends, count - 1)[:count] if count < len(ends) else np.arange(len(ends))
        chosen = chosen[np.argsort(ends[chosen], kind="stable")]
        worked = kernel.walk_back(
            days_work,
            days_off,
            chosen.astype(np.int64),
            group_costs,
            self._group_rows,
            self._allowed_prev,
            self._moves,
            self._inverse,
            self._weekend_day,
            self._weekend_start,
            rules.min_work,
            self._window,
        )
        # the member of each group that gave the group's cost, per day (-1 stays off)
        member = np.full((rules.n_days, len(self.groups) + 1), -1, dtype=np.int64)
        for g, (_, _, _, members, _) in enumerate(self.groups):
            member[:, g] = np.asarray(members)[np.argmin(costs[:, members], axis=1)]
        return [(tuple(int(t) for t in member[np.arange(rules.n_days), groups]), float(ends[flat])) for groups, flat in zip(worked, chosen)]

    def within(self, day_costs: np.ndarray, budget: float, max_schedules: int) -> tuple[list[tuple[tuple[int, ...], float]], bool]:
        """Every schedule costing at most ``budget`` against ``day_costs`` (as :meth:`cheapest`), and whether that is all of them.

        Why: column generation's reduced-cost argument says a roster below a
        target can only use schedules whose reduced cost lies within the gap;
        listing all of them makes the roster search over them exact
        (:mod:`~staffline.optimizer.decomposition.gap_search`). The relaxed shift-type
        maximums are not checked here: the caller filters. Stops at
        ``max_schedules`` (then False).
        """
        rules = self.rules
        costs, _, days_work, days_off, final_work, final_off = self._forward(day_costs)
        final_work, final_off = final_work.reshape(days_work.shape[1:]), final_off.reshape(days_off.shape[1:])
        ends = [(0, (c, r, e, t)) for c, r, e, t in zip(*np.nonzero(final_work <= budget))]
        ends += [(1, (i, 0, 0, t)) for i, t in zip(*np.nonzero(final_off <= budget))]
        if not ends:
            return [], True
        widest = max((len(members) for _, _, _, members, _ in self.groups), default=1)  # no groups: the employee never works
        member_ids = np.full((len(self.groups), widest), -1, dtype=np.int64)
        member_costs = np.full((rules.n_days, len(self.groups), widest), INF)
        for g, (_, _, _, members, _) in enumerate(self.groups):
            member_ids[g, : len(members)] = members
            member_costs[:, g, : len(members)] = costs[:, members]
        found, complete = kernel.enumerate_paths(
            days_work,
            days_off,
            np.array([k for k, _ in ends], dtype=np.int64),
            np.array([s for _, s in ends], dtype=np.int64),
            float(budget) + 1e-9,
            member_costs,
            member_ids,
            self._group_rows,
            self._allowed_prev,
            self._moves,
            self._inverse,
            self._weekend_day,
            self._weekend_start,
            rules.min_work,
            rules.work_edges_exempt,
            rules.off_edges_exempt,
            int(max_schedules),
            self._window,
        )
        return [(tuple(int(t) for t in row), float(sum(costs[d, t] for d, t in enumerate(row) if t >= 0))) for row in found], complete
