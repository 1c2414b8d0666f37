"""Greedy warm start: a plausible roster handed to CP-SAT as a solution hint.

Why: on large branches (60 staff, 65 templates a day) CP-SAT can spend the
whole time limit looking for a first roster that meets every contract, and a
planner then gets nothing. A greedy roster that respects the per-person hard
rules (availability, contract minutes and days, consecutive days, headcount
per slot and per day, weekend limits) is built in milliseconds; CP-SAT repairs
what it misses and improves from there. The hint never constrains the model.

Staffing targets per slot come from the same wait curves the objective uses:
a role gets one more person while that person's wait reduction is worth more
than a staff-slot costs.
"""

from __future__ import annotations

import numpy as np

from staffline.constraints.rules import (
    BusyCoverage,
    ConsecutiveDays,
    ContractHours,
    Coverage,
    HeadcountOnDuty,
    MaxWeekendDays,
    MinOnDuty,
    StaffPerDay,
    WorkingDays,
)
from staffline.optimizer.core.branch_model import RosterBuilder

ROLE_MINIMUM_BONUS = 100.0  # a slot of an unmet hard role minimum outweighs any wait deficit


def minimums_of_day(b: RosterBuilder, d: int) -> dict[tuple[int, str], int]:
    """Per (slot, role): staff the hard rules need (min on duty, appointments, hard coverage)."""
    need: dict[tuple[int, str], int] = {}
    day = b.days[d]
    for rule in b.rules:
        for s, t in enumerate(day.slots):
            k = 0
            if isinstance(rule, MinOnDuty):
                k = rule.minimum
            elif isinstance(rule, BusyCoverage) and d in rule.required:
                k = int(rule.required[d][s])
            elif isinstance(rule, Coverage) and rule.hard and rule.selects(day.date, t):
                k = rule.minimum
            if k:
                key = (s, getattr(rule, "role"))
                need[key] = max(need.get(key, 0), k)
    return need


def maximums_of_day(b: RosterBuilder, d: int) -> dict[tuple[int, str], int]:
    """Per (slot, role): the most staff hard coverage rules allow."""
    cap: dict[tuple[int, str], int] = {}
    day = b.days[d]
    for rule in b.rules:
        if isinstance(rule, Coverage) and rule.hard and rule.maximum is not None:
            for s, t in enumerate(day.slots):
                if rule.selects(day.date, t):
                    key = (s, rule.role)
                    cap[key] = min(cap.get(key, rule.maximum), rule.maximum)
    return cap


class RoleMinimums:
    """Unmet hard role minima per day, role and slot, filled as people are placed."""

    def __init__(self, b: RosterBuilder):
        self.left: list[dict[str, np.ndarray]] = []
        for d, day in enumerate(b.days):
            per_role: dict[str, np.ndarray] = {}
            for (s, role), k in minimums_of_day(b, d).items():
                per_role.setdefault(role, np.zeros(len(day.slots), dtype=int))[s] = k
            self.left.append(per_role)

    def coverable(self, d: int, roles, slots) -> float:
        """Slots among ``slots`` where one of ``roles`` still lacks someone."""
        unmet = [need[list(slots)] > 0 for r, need in self.left[d].items() if r in roles]
        return float(np.logical_or.reduce(unmet).sum()) if unmet and len(slots) else 0.0

    def place(self, d: int, roles, slots) -> None:
        """The person covers, per slot, the role with the largest unmet minimum."""
        mine = [r for r in roles if r in self.left[d]]
        for s in slots:
            best = max(mine, key=lambda r: self.left[d][r][s], default=None)
            if best is not None and self.left[d][best][s] > 0:
                self.left[d][best][s] -= 1


def staffing_targets(b: RosterBuilder) -> list[np.ndarray]:
    """Per day: wanted staff on duty per slot, summed over roles."""
    weights = b.branch.objective
    staff_cost = np.mean([e.contract.cost_per_hour for e in b.employees]) if b.employees else 0.0
    slot_cost = weights.cost_weight * staff_cost * b.branch.slot_minutes / 60
    minimum = sum(r.minimum for r in b.rules if isinstance(r, MinOnDuty) and r.hard)
    targets = []
    for d, day in enumerate(b.days):
        want = np.full(len(day.slots), minimum, dtype=int)
        for role, per_day in b.waits.curves.items():
            curve = per_day.get(d)
            if curve is None:
                continue
            gain = (curve[:, :-1] - curve[:, 1:]) * weights.wait_per_customer_minute
            n = (gain >= max(slot_cost, 1e-9)).sum(axis=1)  # convex: gains shrink with n
            busy = b.waits.busy.get(role, {}).get(d)
            want += n + (busy if busy is not None else 0)
        targets.append(want)
    return targets


def _limits(b: RosterBuilder):
    """Per employee: contract limits by period (day indices: a week of a longer plan, or all days), and the shared caps."""
    per: dict[int, dict] = {i: {"periods": {}} for i in range(len(b.employees))}
    headcount, per_day, weekend = None, None, None
    everything = tuple(range(len(b.days)))
    for r in b.rules:
        if isinstance(r, (ContractHours, WorkingDays)):
            period = per[r.employee]["periods"].setdefault(r.days or everything, {})
            key, value = ("minutes", (r.min_minutes, r.max_minutes)) if isinstance(r, ContractHours) else ("days", (r.minimum, r.maximum))
            if key not in period:  # the first rule of a period is the contract's (horizon limits come after)
                period[key] = value
        elif isinstance(r, ConsecutiveDays):
            per[r.employee]["consecutive"] = (r.maximum, r.previous)
        elif isinstance(r, HeadcountOnDuty):
            headcount = r.maximum if headcount is None else min(headcount, r.maximum)
        elif isinstance(r, StaffPerDay):
            per_day = r.maximum if per_day is None else min(per_day, r.maximum)
        elif isinstance(r, MaxWeekendDays) and r.hard:
            weekend = r.maximum if weekend is None else min(weekend, r.maximum)
    for limits in per.values():  # a plan of weeks: the weeks' own limits, not the horizon's as one period
        periods = limits["periods"]
        if len(periods) > 1:
            periods.pop(everything, None)
        if not periods:
            periods[everything] = {}
    return per, headcount, per_day, weekend


def longest_template(b: RosterBuilder, i: int) -> int:
    return max((b.days[d].templates[t].paid_minutes for d in range(len(b.days)) for t in b.x[i, d]), default=0) // 2


def _longest_run(worked: list[bool]) -> int:
    best = run = 0
    for w in worked:
        run = run + 1 if w else 0
        best = max(best, run)
    return best


class _Greedy:
    """The greedy's shared state: staff on duty per slot and day, the choices so far, the caps."""

    def __init__(self, b: RosterBuilder):
        self.b = b
        self.targets = staffing_targets(b)
        self.on = [np.zeros(len(day.slots), dtype=int) for day in b.days]
        self.staffed_days = [0] * len(b.days)
        self.per, self.headcount, self.per_day, self.weekend = _limits(b)
        self.chosen: dict[tuple[int, int], int] = {}
        self.minima = RoleMinimums(b)

    def worked(self, i: int, extra: list[int]) -> list[bool]:
        """Employee i's worked flags (the days before the plan first) with ``extra`` days added."""
        previous = self.per[i].get("consecutive", (7, ()))[1]
        return [bool(x) for x in previous] + [(i, d) in self.chosen or d in extra for d in range(len(self.b.days))]

    def place(self, i: int, period: tuple[int, ...], limits: dict, above: int | None = None) -> None:
        """Choose employee i's days and shifts within ``period`` against the deficit, at most ``above`` minutes over the contract minimum."""
        b, on, staffed_days, per_day, weekend = self.b, self.on, self.staffed_days, self.per_day, self.weekend
        lo_m, hi_m = limits.get("minutes", (0, 40 * 60))
        lo_d, hi_d = limits.get("days", (0, 7))
        if lo_m > 0:  # contract minimum first: leaves room under the headcount for everyone's minimum
            hi_m = max(lo_m, min(hi_m, lo_m + (longest_template(b, i) if above is None else above)))
        max_run = self.per[i].get("consecutive", (7, ()))[0]
        options = {d: opts for d in period if (opts := b.allowed(i, d)) and (per_day is None or staffed_days[d] < per_day)}
        if not options:
            return
        paid = {d: {t: b.days[d].templates[t].paid_minutes for t in opts} for d, opts in options.items()}
        longest = max(max(p.values()) for p in paid.values())
        k = min(hi_d, len(options))
        while k > max(lo_d, 1) and k * min(min(p.values()) for p in paid.values()) > hi_m:
            k -= 1
        k = max(k, min(lo_d, len(options)), -(-lo_m // max(longest, 1)))
        # unmet staffing, discounted as a day fills up so later people still find room
        room = {d: 1.0 if per_day is None else (per_day - staffed_days[d]) / per_day for d in options}
        roles = b.employees[i].roles
        every_slot = {d: range(len(b.days[d].slots)) for d in options}
        deficit = {
            d: (
                float(np.maximum(self.targets[d] - on[d], 0).sum())
                + 1.0
                + ROLE_MINIMUM_BONUS * self.minima.coverable(d, roles, every_slot[d])
            )
            * room[d]
            for d in options
        }
        days: list[int] = []
        for d in sorted(options, key=lambda d: -deficit[d]):
            if len(days) == k:
                break
            trial = sorted(days + [d])
            weekend_days = sum(1 for dd in trial if b.days[dd].date.weekday() >= 5)
            if _longest_run(self.worked(i, trial)) > max_run or (weekend is not None and weekend_days > weekend):
                continue
            days.append(d)
        days.sort()
        used = 0
        for j, d in enumerate(days):
            left = len(days) - j - 1
            floor = lo_m - used - left * longest  # what this day must at least give to reach the minimum
            ceiling = hi_m - used - left * min(paid[d].values())
            best, best_score = None, None
            for t, minutes in paid[d].items():
                if minutes > ceiling or minutes < floor:
                    continue
                slots = list(b.days[d].templates[t].slots)
                if self.headcount is not None and slots and (on[d][slots] + 1 > self.headcount).any():
                    continue
                gap = np.maximum(self.targets[d][slots] - on[d][slots], 0)
                score = (float(gap.sum()) + ROLE_MINIMUM_BONUS * self.minima.coverable(d, roles, slots), minutes)
                if best_score is None or score > best_score:
                    best, best_score = t, score
            if best is None:
                continue
            self.chosen[i, d] = best
            self.minima.place(d, roles, b.days[d].templates[best].slots)
            used += paid[d][best]
            on[d][list(b.days[d].templates[best].slots)] += 1
            staffed_days[d] += 1


TIGHT_ABOVE_MINIMUM = 60  # minutes over the contract minimum the greedy's second try gives anyone at first


def greedy_roster(b: RosterBuilder) -> dict[tuple[int, int], int]:
    """(employee index, day index) -> template index, built person by person (week by week) against the deficit.

    When someone ends short of a contract minimum, the greedy runs again
    with everyone first placed at most :data:`TIGHT_ABOVE_MINIMUM` over
    their minimum. Why: at 300 staff the first pass gave 299 people 3 hours
    over their minimum, every slot the last one could add was then at the
    headcount cap, E300 kept 1,260 of his 1,440 minutes, the completion with
    the greedy shifts fixed was infeasible and the run had no roster.
    """
    g = _greedy(b, None)
    if _anyone_short(g):
        tight = _greedy(b, TIGHT_ABOVE_MINIMUM)
        if not _anyone_short(tight):
            g = tight
    chosen = g.chosen
    for (i, d), t in b.required.items():  # what a rule imposes (a kept shift when re-planning), whatever the greedy chose
        chosen.pop((i, d), None)
        if t is not None:
            chosen[i, d] = t
    return chosen


def _greedy(b: RosterBuilder, above: int | None) -> _Greedy:
    """One greedy pass (placement, then the top-up), people with the hardest contracts first."""
    g = _Greedy(b)
    first = lambda i: next(iter(g.per[i]["periods"].values()))  # noqa: E731
    order = sorted(range(len(b.employees)), key=lambda i: -first(i).get("minutes", (0, 0))[0])  # hardest contracts first
    for i in order:
        for period, limits in g.per[i]["periods"].items():
            g.place(i, period, limits, above)
    for i in order:
        for period, limits in g.per[i]["periods"].items():
            _top_up(g, i, period, limits)
    return g


def _anyone_short(g: _Greedy) -> bool:
    """Whether some employee's chosen shifts miss a period's contract minimum (minutes or days)."""
    for i, limits in g.per.items():
        for period, bounds in limits["periods"].items():
            days = [d for d in period if (i, d) in g.chosen]
            minutes = sum(g.b.days[d].templates[g.chosen[i, d]].paid_minutes for d in days)
            if minutes < bounds.get("minutes", (0, 0))[0] or len(days) < bounds.get("days", (0, 0))[0]:
                return True
    return False


def _top_up(g: _Greedy, i: int, period: tuple[int, ...], limits: dict) -> None:
    """Lengthen shifts (then add days) of someone still short of their contract minimum in ``period``."""
    b, chosen, on, staffed_days, headcount, per_day, weekend = g.b, g.chosen, g.on, g.staffed_days, g.headcount, g.per_day, g.weekend
    lo_m, hi_m = limits.get("minutes", (0, 40 * 60))
    hi_d = limits.get("days", (0, 7))[1]
    max_run = g.per[i].get("consecutive", (7, ()))[0]
    inside = set(period)

    def minutes() -> int:
        return sum(b.days[d].templates[t].paid_minutes for (j, d), t in chosen.items() if j == i and d in inside)

    def room(d: int, t: int, old: int | None) -> bool:
        load = on[d].copy()
        if old is not None:
            load[list(b.days[d].templates[old].slots)] -= 1
        load[list(b.days[d].templates[t].slots)] += 1
        return headcount is None or int(load.max(initial=0)) <= headcount

    def move(d: int, t: int, old: int | None) -> None:
        if old is not None:
            on[d][list(b.days[d].templates[old].slots)] -= 1
        else:
            staffed_days[d] += 1
        on[d][list(b.days[d].templates[t].slots)] += 1
        chosen[i, d] = t

    for d in [d for (j, d) in list(chosen) if j == i and d in inside]:
        old = chosen[i, d]
        for t in sorted(b.allowed(i, d), key=lambda t: -b.days[d].templates[t].paid_minutes):
            extra = b.days[d].templates[t].paid_minutes - b.days[d].templates[old].paid_minutes
            if minutes() >= lo_m:
                return
            if extra > 0 and minutes() + extra <= hi_m and room(d, t, old):
                move(d, t, old)
                break
    for d in period:
        if minutes() >= lo_m or sum(1 for (j, dd) in chosen if j == i and dd in inside) >= hi_d:
            return
        if (i, d) in chosen or not b.allowed(i, d) or (per_day is not None and staffed_days[d] >= per_day):
            continue
        worked = g.worked(i, [d])
        offset = len(worked) - len(b.days)
        weekend_days = sum(1 for dd in period if worked[offset + dd] and b.days[dd].date.weekday() >= 5)
        if _longest_run(worked) > max_run or (weekend is not None and weekend_days > weekend):
            continue
        for t in sorted(b.allowed(i, d), key=lambda t: -b.days[d].templates[t].paid_minutes):
            if minutes() + b.days[d].templates[t].paid_minutes <= hi_m and room(d, t, None):
                move(d, t, None)
                break


def add_hint(b: RosterBuilder, chosen: dict[tuple[int, int], int]) -> None:
    """Hint every shift variable (1 for the greedy choice, 0 otherwise) and the works flags."""
    for (i, d), options in b.x.items():
        pick = chosen.get((i, d))
        for t, var in options.items():
            b.model.AddHint(var, int(t == pick))
        b.model.AddHint(b.works[i, d], int(pick is not None))
