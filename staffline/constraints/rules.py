"""Roster rules: each a small object that adds itself to a :class:`RosterBuilder`.

A rule has a ``name`` (used in penalties by rule and in the infeasibility
diagnosis, as listed in docs/ROSTER_RULES.md), is ``hard`` or soft with a
``weight``, and implements ``add_to(builder)``. Adding a rule type never
touches the model core: write a class here and build it in ``registry``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from staffline.model import WEEKDAYS, Request, minutes_of

DAY_MINUTES = 24 * 60


@dataclass
class Rule:
    name: str
    hard: bool = True
    weight: float = 1.0

    def add_to(self, b) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def limit(self, b, expr, lo: int | None, hi: int | None, label: str) -> None:
        """``lo <= expr <= hi`` hard, or with penalised shortfall/excess when soft."""
        if self.hard:
            if lo is not None:
                b.add(expr >= lo, self.name)
            if hi is not None:
                b.add(expr <= hi, self.name)
            return
        if lo is not None:
            short = b.new_int(0, max(lo, 0), f"short_{label}")
            b.model.Add(expr + short >= lo)
            b.penalty(short, self.weight, self.name)
        if hi is not None:
            extra = b.new_int(0, 10_000, f"extra_{label}")
            b.model.Add(expr - extra <= hi)
            b.penalty(extra, self.weight, self.name)


@dataclass
class MinOnDuty(Rule):
    role: str = ""
    minimum: int = 1

    def add_to(self, b) -> None:
        for d, day in enumerate(b.days):
            for s in range(len(day.slots)):
                b.add(b.n[self.role, d, s] >= self.minimum, self.name)


@dataclass
class Coverage(Rule):
    """Staff on ``role`` per slot within [minimum, maximum] on selected days and hours."""

    role: str = ""
    minimum: int = 0
    maximum: int | None = None
    weekdays: tuple[str, ...] = ()
    start: dt.time | None = None
    end: dt.time | None = None

    def selects(self, date: dt.date, t: dt.time) -> bool:
        if self.weekdays and WEEKDAYS[date.weekday()] not in self.weekdays:
            return False
        if self.start is not None and t < self.start:
            return False
        return self.end is None or t < self.end

    def add_to(self, b) -> None:
        for d, day in enumerate(b.days):
            for s, t in enumerate(day.slots):
                if self.selects(day.date, t):
                    self.limit(b, b.n[self.role, d, s], self.minimum or None, self.maximum, f"cov_{self.role}_{d}_{s}")


@dataclass
class HeadcountOnDuty(Rule):
    maximum: int = 0

    def add_to(self, b) -> None:
        for d, day in enumerate(b.days):
            for s in range(len(day.slots)):
                b.add(b.on_duty(d, s) <= self.maximum, self.name)


@dataclass
class StaffPerDay(Rule):
    maximum: int = 0

    def add_to(self, b) -> None:
        for d in range(len(b.days)):
            b.add(sum(b.works[i, d] for i in range(len(b.employees))) <= self.maximum, self.name)


@dataclass
class DayHeadcount(Rule):
    """``count`` of ``employees`` (None: everybody) at work on day index ``day``, hard or soft.

    Not a branch rule: how the weeks alone of a multi-week plan follow the
    Saturday staffing the horizon's LP found cheapest (soft, weighted as the
    Saturday fairness rule), so that handing schedules round can even them out.
    """

    day: int = 0
    count: int = 0
    employees: tuple[int, ...] | None = None

    def add_to(self, b) -> None:
        people = range(len(b.employees)) if self.employees is None else self.employees
        self.limit(b, sum(b.works[i, self.day] for i in people), self.count, self.count, f"headcount_{self.day}")


@dataclass
class ContractHours(Rule):
    """Paid minutes within [min, max] over ``days`` (day indices: one week of a longer horizon; empty = every day)."""

    employee: int = 0
    min_minutes: int = 0
    max_minutes: int = 0
    days: tuple[int, ...] = ()

    def add_to(self, b) -> None:
        expr = b.paid_minutes(self.employee, self.days or None)
        b.add(expr >= self.min_minutes, self.name)
        b.add(expr <= self.max_minutes, self.name)


@dataclass
class WorkingDays(Rule):
    """Days worked within [min, max] over ``days`` (as in :class:`ContractHours`)."""

    employee: int = 0
    minimum: int = 0
    maximum: int = 7
    days: tuple[int, ...] = ()

    def add_to(self, b) -> None:
        total = sum(b.works[self.employee, d] for d in (self.days or range(len(b.days))))
        b.add(total >= self.minimum, self.name)
        b.add(total <= self.maximum, self.name)


@dataclass
class ConsecutiveDays(Rule):
    """No run longer than ``maximum`` worked days, counting the days before the week."""

    employee: int = 0
    maximum: int = 6
    previous: tuple[bool, ...] = ()  # worked on the days just before the plan, oldest first

    @property
    def personal_to(self) -> tuple[int, ...]:
        """Days worked before the plan set the employee apart from colleagues (symmetry breaking)."""
        return (self.employee,) if any(self.previous) else ()

    def add_to(self, b) -> None:
        days = [int(w) for w in self.previous] + [b.works[self.employee, d] for d in range(len(b.days))]
        first_week_day = len(self.previous)
        window = self.maximum + 1
        for start in range(0, len(days) - window + 1):
            if start + window <= first_week_day:
                continue
            b.add(sum(days[start : start + window]) <= self.maximum, self.name)


@dataclass
class MinimumRest(Rule):
    """At least ``hours`` between the end of a shift and the next start (also from last week)."""

    employee: int = 0
    hours: float = 11.0
    previous_end: dt.datetime | None = None

    @property
    def personal_to(self) -> tuple[int, ...]:
        """A shift before the plan sets the employee apart from colleagues (symmetry breaking)."""
        return (self.employee,) if self.previous_end is not None else ()

    def add_to(self, b) -> None:
        gap = round(self.hours * 60)
        i = self.employee
        for d in range(len(b.days) - 1):
            today, tomorrow = b.x[i, d], b.x[i, d + 1]
            for t, var in today.items():
                end = b.days[d].templates[t].end
                clash = [v for u, v in tomorrow.items() if DAY_MINUTES + b.days[d + 1].templates[u].start - end < gap]
                if clash:
                    b.add(var + sum(clash) <= 1, self.name)
        if self.previous_end is not None:
            first = dt.datetime.combine(b.days[0].date, dt.time())
            for t, var in b.x[i, 0].items():
                start = first + dt.timedelta(minutes=b.days[0].templates[t].start)
                if (start - self.previous_end).total_seconds() / 60 < gap:
                    b.add(var == 0, self.name)


@dataclass
class Availability(Rule):
    """No work on unavailable weekdays or dates."""

    employee: int = 0

    def add_to(self, b) -> None:
        person = b.employees[self.employee]
        for d, day in enumerate(b.days):
            if person.is_unavailable(day.date):
                b.add(b.works[self.employee, d] == 0, self.name)
                b.required[self.employee, d] = None  # off, for the heuristics that pick shifts without the model


@dataclass
class MaxWeekendDays(Rule):
    """At most ``maximum`` weekend days per person in each week (Monday-Sunday) of the plan."""

    maximum: int = 1

    def add_to(self, b) -> None:
        for w in range(0, len(b.days), 7):
            weekend = [d for d in range(w, min(w + 7, len(b.days))) if b.days[d].date.weekday() >= 5]
            for i in range(len(b.employees)):
                self.limit(b, sum(b.works[i, d] for d in weekend), None, self.maximum, f"wkend_{i}_{w}")


FAIRNESS_ASPECTS = ("weekend", "saturday", "late", "hours")
FAIRNESS_WEEKDAYS = {"saturday": (5,), "weekend": (5, 6)}  # the day-count aspects and the weekdays they count


@dataclass
class Fairness(Rule):
    """Soft: weight x (max - min) over employees of weekend days, Saturdays, late shifts or hours worked.

    ``employees`` are the people it applies to (None: everybody), e.g. only
    those available on some Saturday, since comparing with someone who never
    can work one would push everybody else to none. ``offsets`` per employee
    index are added to the count: the previous week's Saturday worked (so
    turns rotate across the boundary) or minus the contract minimum minutes
    (hours *above* the minimum). A late shift ends at the day's latest
    template end (closing time); the hours aspect counts minutes and is
    weighted per hour.
    """

    aspect: str = "weekend"
    employees: tuple[int, ...] | None = None
    offsets: dict[int, int] = field(default_factory=dict)

    @property
    def personal_to(self) -> tuple[int, ...]:
        """Who a different offset sets apart (symmetry breaking): everyone whose offset is not the most common one.

        Colleagues with equal offsets stay interchangeable; with unequal ones
        (the Saturdays of the roster before the plan, from ``--previous``)
        ordering them by hours could cut off the fairest roster.
        """
        people = tuple(self.offsets) if self.employees is None else self.employees
        values = [self.offsets.get(i, 0) for i in people]
        if len(set(values)) < 2:
            return ()
        common = max(set(values), key=lambda v: (values.count(v), -abs(v)))
        return tuple(i for i, v in zip(people, values) if v != common)

    def people(self, staff: int) -> Sequence[int]:
        """Whom the rule compares: its ``employees``, or every one of ``staff`` people."""
        return range(staff) if self.employees is None else self.employees

    def counted(self, b, i: int):
        """The model expression of employee i's count (before the offset)."""
        if self.aspect == "hours":
            return b.paid_minutes(i)
        if self.aspect in FAIRNESS_WEEKDAYS:
            return sum(b.works[i, d] for d, day in enumerate(b.days) if day.date.weekday() in FAIRNESS_WEEKDAYS[self.aspect])
        late = []
        for d, day in enumerate(b.days):
            if day.templates:
                close = max(t.end for t in day.templates)
                late.extend(var for t, var in b.x[i, d].items() if day.templates[t].end == close)
        return sum(late)

    def count_of(self, days, plan: dict[int, int]) -> int:
        """What :meth:`counted` is for fixed shifts: one person's ``plan`` (day index -> template index of ``days``)."""
        n = 0
        for d, t in plan.items():
            day = days[d]
            if self.aspect == "hours":
                n += day.templates[t].paid_minutes
            elif self.aspect in FAIRNESS_WEEKDAYS:
                n += day.date.weekday() in FAIRNESS_WEEKDAYS[self.aspect]
            else:
                n += day.templates[t].end == max(x.end for x in day.templates)
        return n

    def add_to(self, b) -> None:
        people = self.people(len(b.employees))
        if len(people) < 2:
            return
        top = (24 * 60 if self.aspect == "hours" else 1) * len(b.days) + max((abs(v) for v in self.offsets.values()), default=0)
        hi = b.new_int(-top, top, f"fair_hi_{self.name}")
        lo = b.new_int(-top, top, f"fair_lo_{self.name}")
        b.spreads[self.name] = (hi, lo)  # a bound may branch on them (horizon_lp_bound)
        for i in people:
            expr = self.counted(b, i) + self.offsets.get(i, 0)
            b.model.Add(hi >= expr)
            b.model.Add(lo <= expr)
        if self.aspect != "hours":
            b.penalty(hi - lo, self.weight, self.name)
            return
        # minutes, weighted per hour: counted in units of the grid (15 minutes: 0.25 h) so the
        # per-unit weight is exact at the objective's scale (per minute, 2/60 would round to 0.03)
        unit = math.gcd(b.branch.slot_minutes, 60, *self.offsets.values())
        units = b.new_int(0, 2 * top // unit, f"fair_units_{self.name}")
        b.model.Add(unit * units == hi - lo)
        b.penalty(units, self.weight * unit / 60, self.name)


@dataclass
class BusyCoverage(Rule):
    """At least ``required[d][s]`` staff on ``role`` (appointments in progress, VIP or all)."""

    role: str = "advisory"
    required: dict = field(default_factory=dict)

    def add_to(self, b) -> None:
        for d, need in self.required.items():
            for s, k in enumerate(need):
                if k > 0:
                    b.add(b.n[self.role, d, s] >= int(k), self.name)


@dataclass
class Budget(Rule):
    max_cost: float = 0.0

    def add_to(self, b) -> None:
        b.add(sum(b.cost_expr(i) for i in range(len(b.employees))) <= int(round(self.max_cost * 100)), self.name)


@dataclass
class StaffRequest(Rule):
    """Soft: a day off, a day on, or a preferred shift start/end (penalty = weight)."""

    employee: int = 0
    request: Request | None = None

    def missed(self, days, plan: dict[int, int], among: range | None = None) -> int:
        """Days the request goes unmet for fixed shifts: one person's ``plan`` (day index of ``days`` -> template index).

        What :meth:`add_to` prices, for a roster already chosen (the horizon's
        hand round compares whole weeks' schedules); ``among`` limits it to
        those day indices (one week), all days by default.
        """
        req = self.request
        n = 0
        for d in range(len(days)) if among is None else among:
            day = days[d]
            if not day.templates or not req.applies_to(day.date):
                continue
            t = plan.get(d)
            if req.kind == "off":
                n += t is not None
            elif req.kind == "on":
                n += t is None
            else:
                n += t is None or (day.templates[t].start, day.templates[t].end) != _shift_minutes(req.shift)
        return n

    def add_to(self, b) -> None:
        req = self.request
        for d, day in enumerate(b.days):
            if not day.templates or not req.applies_to(day.date):
                continue
            works = b.works[self.employee, d]
            if req.kind == "off":
                b.penalty(works, self.weight, self.name)
            elif req.kind == "on":
                b.penalty(1 - works, self.weight, self.name)
            else:
                wanted = _shift_minutes(req.shift)
                match = [v for t, v in b.x[self.employee, d].items() if (day.templates[t].start, day.templates[t].end) == wanted]
                b.penalty(1 - sum(match), self.weight, self.name)


def _shift_minutes(shift: str) -> tuple[int, int]:
    """A requested shift "09:00-13:00" as (start, end) minutes of the day."""
    start, end = shift.split("-")
    return minutes_of(dt.time.fromisoformat(start.strip())), minutes_of(dt.time.fromisoformat(end.strip()))
