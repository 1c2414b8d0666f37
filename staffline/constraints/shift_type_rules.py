"""Rules on days and shift types: what day x shift-type rostering (Curtois-Qu, nurse
rostering) needs beyond the branch rules, written against the shared shift core.

They only use ``b.works[i, d]`` and ``b.shifts_of_type(i, d, id)``, so they
apply to any model built on :class:`~staffline.optimizer.core.shift_model.ShiftModel`
- a branch roster too, where a template id names one shift pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

from staffline.constraints.rules import Rule


def _count(b, i: int, d: int, shift: str):
    return sum(b.shifts_of_type(i, d, shift))


@dataclass
class ShiftTypeLimit(Rule):
    """Employee works shift type ``shift`` at most ``maximum`` times over the horizon."""

    employee: int = 0
    shift: str = ""
    maximum: int = 0

    def add_to(self, b) -> None:
        b.add(sum(_count(b, self.employee, d, self.shift) for d in range(len(b.days))) <= self.maximum, self.name)


@dataclass
class ForbiddenSuccession(Rule):
    """Shift ``first`` on a day may not be followed by ``second`` the next day."""

    employee: int = 0
    pairs: tuple[tuple[str, str], ...] = ()

    def add_to(self, b) -> None:
        """One constraint per day and first shift type over all its forbidden successors.

        Why grouped: nobody works two shifts a day (the core's ``works``), so
        ``first today + any forbidden successor tomorrow <= 1`` says exactly
        what one constraint per pair says, with a stronger LP and far fewer
        constraints (Curtois Instance13: 18 shift types, pairs x days x 120
        employees made 450,000 of them).
        """
        i = self.employee
        successors: dict[str, dict[str, None]] = {}  # ordered sets: a pair listed twice must not count its successor twice
        for first, second in self.pairs:
            successors.setdefault(first, {})[second] = None
        for d in range(len(b.days) - 1):
            for first, seconds in successors.items():
                today = b.shifts_of_type(i, d, first)
                tomorrow = [var for second in seconds for var in b.shifts_of_type(i, d + 1, second)]
                if today and tomorrow:
                    b.add(sum(today) + sum(tomorrow) <= 1, self.name)


@dataclass
class MinimumRun(Rule):
    """Runs of worked days (``working``) or of days off shorter than ``minimum`` are forbidden.

    With ``edges_exempt`` a run touching the first or last day is allowed to be
    short: it may have begun before the horizon or go on after it.
    """

    employee: int = 0
    minimum: int = 1
    working: bool = True
    edges_exempt: bool = True

    def add_to(self, b) -> None:
        horizon = len(b.days)
        on = [b.works[self.employee, d] for d in range(horizon)]
        inside = (lambda d: on[d]) if self.working else (lambda d: 1 - on[d])
        for length in range(1, self.minimum):
            for start in range(horizon - length + 1):
                stop = start + length  # first day after the run
                if self.edges_exempt and (start == 0 or stop == horizon):
                    continue
                # forbid: day before outside, days start..stop-1 inside, day after outside
                terms = [1 - inside(d) for d in range(start, stop)]
                if start > 0:
                    terms.append(inside(start - 1))
                if stop < horizon:
                    terms.append(inside(stop))
                b.add(sum(terms) >= 1, self.name)


@dataclass
class MaxWorkedWeekends(Rule):
    """At most ``maximum`` weekends with Saturday or Sunday worked."""

    employee: int = 0
    maximum: int = 0

    def add_to(self, b) -> None:
        weekends: dict[tuple[int, int], list] = {}
        for d, day in enumerate(b.days):
            if day.date.weekday() >= 5:  # Saturday and Sunday share an ISO week
                weekends.setdefault(day.date.isocalendar()[:2], []).append(b.works[self.employee, d])
        worked = []
        for k, days in enumerate(weekends.values()):
            w = b.new_bool(f"weekend_{self.employee}_{k}")
            for v in days:
                b.model.Add(w >= v)
            b.model.Add(w <= sum(days))
            worked.append(w)
        b.add(sum(worked) <= self.maximum, self.name)


@dataclass
class ShiftCover(Rule):
    """Soft cover of one shift type on one day: weights per missing and per extra employee."""

    day: int = 0
    shift: str = ""
    required: int = 0
    under_weight: float = 0.0
    over_weight: float = 0.0

    def add_to(self, b) -> None:
        staffed = sum(_count(b, i, self.day, self.shift) for i in range(len(b.employees)))
        label = f"{self.day}_{self.shift}"
        if self.under_weight:
            under = b.new_int(0, max(self.required, 0), f"under_{label}")
            b.model.Add(staffed + under >= self.required)
            b.penalty(under, self.under_weight, self.name)
        if self.over_weight:
            over = b.new_int(0, len(b.employees), f"over_{label}")
            b.model.Add(staffed - over <= self.required)
            b.penalty(over, self.over_weight, self.name)


@dataclass
class ShiftTypeRequest(Rule):
    """Soft: pay ``weight`` when shift ``shift`` on ``day`` is not worked (``on``) or worked (off)."""

    employee: int = 0
    day: int = 0
    shift: str = ""
    on: bool = True

    def add_to(self, b) -> None:
        worked = _count(b, self.employee, self.day, self.shift)
        b.penalty(1 - worked if self.on else worked, self.weight, self.name)
