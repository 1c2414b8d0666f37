"""Independent referee for Curtois-Qu solutions: hard rules and the exact objective.

Deliberately plain loops over the assignment, sharing nothing with the
CP-SAT model or the rule library, so a modelling mistake there shows up here as
a violation or a different objective.

Rules (``/work/shared/benchmarks/curtois/README.md``): one shift per employee
and day (implicit: the assignment maps ``(employee, day)`` to one shift id);
forbidden successions; per-type maximums; min/max total minutes; max
consecutive working days (always); min consecutive working days and min
consecutive days off only for runs that touch neither day 0 nor the last day;
max worked weekends (Saturday ``day % 7 == 5`` or Sunday ``day % 7 == 6``
worked); days off. Objective: shift-on request weights when that shift is not
worked, shift-off request weights when it is, and per (day, shift) under-cover x
under weight plus over-cover x over weight.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from staffline.curtois.format import CurtoisInstance

Assignment = dict[tuple[str, int], str]  # (employee id, day) -> shift id; absent = day off


@dataclass
class CheckResult:
    violations: list[str] = field(default_factory=list)
    objective: int = 0
    breakdown: dict[str, int] = field(default_factory=dict)


def _runs(flags: list[bool], value: bool) -> list[tuple[int, int]]:
    """(start, length) of every maximal run of ``value`` in ``flags``."""
    runs, start = [], None
    for d, f in enumerate(flags + [not value]):
        if f == value and start is None:
            start = d
        elif f != value and start is not None:
            runs.append((start, d - start))
            start = None
    return runs


def check_curtois(inst: CurtoisInstance, assignment: Assignment) -> CheckResult:
    out = CheckResult()
    bad = out.violations.append
    horizon = inst.horizon
    staff_ids = {e.id for e in inst.staff}
    for (emp, d), s in sorted(assignment.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        if s is None:  # an explicit None is a day off, like an absent key
            continue
        if emp not in staff_ids:
            bad(f"{emp} day {d}: unknown employee")
        if s not in inst.shifts:
            bad(f"{emp} day {d}: unknown shift {s}")
        if not 0 <= d < horizon:
            bad(f"{emp} day {d}: outside the horizon")
    for e in inst.staff:
        plan = [assignment.get((e.id, d)) for d in range(horizon)]
        worked = [s is not None for s in plan]
        for d in range(horizon - 1):
            today, tomorrow = plan[d], plan[d + 1]
            if today in inst.shifts and tomorrow is not None and tomorrow in inst.shifts[today].forbidden_next:
                bad(f"{e.id} day {d}: {today} followed by {tomorrow}")
        counts = Counter(s for s in plan if s is not None)
        for s, k in sorted(counts.items()):
            if k > e.max_shifts.get(s, horizon):
                bad(f"{e.id}: {k} {s} shifts > {e.max_shifts.get(s)}")
        minutes = sum(inst.shifts[s].minutes for s in plan if s in inst.shifts)
        if not e.min_minutes <= minutes <= e.max_minutes:
            bad(f"{e.id}: {minutes} minutes outside [{e.min_minutes}, {e.max_minutes}]")
        for start, length in _runs(worked, True):
            if length > e.max_consecutive:
                bad(f"{e.id}: {length} consecutive shifts from day {start} > {e.max_consecutive}")
            touches_edge = start == 0 or start + length == horizon
            if length < e.min_consecutive and not touches_edge:
                bad(f"{e.id}: {length} consecutive shifts from day {start} < {e.min_consecutive}")
        for start, length in _runs(worked, False):
            touches_edge = start == 0 or start + length == horizon
            if length < e.min_days_off and not touches_edge:
                bad(f"{e.id}: {length} consecutive days off from day {start} < {e.min_days_off}")
        weekends = {d // 7 for d in range(horizon) if d % 7 in (5, 6) and worked[d]}
        if len(weekends) > e.max_weekends:
            bad(f"{e.id}: {len(weekends)} weekends worked > {e.max_weekends}")
        for d in sorted(e.days_off):
            if 0 <= d < horizon and worked[d]:
                bad(f"{e.id}: works on day off {d}")

    on = 0
    for r in inst.shift_on_requests:
        if assignment.get((r.employee, r.day)) != r.shift:
            on += r.weight
    off = 0
    for r in inst.shift_off_requests:
        if assignment.get((r.employee, r.day)) == r.shift:
            off += r.weight
    staffed: Counter = Counter()
    for (_, d), s in assignment.items():
        if s is not None:
            staffed[d, s] += 1
    under = over = 0
    for c in inst.cover:
        n = staffed[c.day, c.shift]
        under += max(c.required - n, 0) * c.under_weight
        over += max(n - c.required, 0) * c.over_weight
    out.breakdown = {"shift_on_requests": on, "shift_off_requests": off, "under_cover": under, "over_cover": over}
    out.objective = on + off + under + over
    return out


def roster_frame(inst: CurtoisInstance, assignment: Assignment) -> pd.DataFrame:
    """The roster as rows (employee, day, shift), one per worked day, in staff then day order."""
    order = {e.id: i for i, e in enumerate(inst.staff)}
    rows = sorted(
        ((emp, d, s) for (emp, d), s in assignment.items() if s is not None),
        key=lambda r: (order.get(r[0], len(order)), str(r[0]), r[1]),
    )
    frame = pd.DataFrame(rows, columns=["employee", "day", "shift"])
    return frame.astype({"employee": str, "day": int, "shift": str})
