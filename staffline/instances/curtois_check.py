"""Independent referee for Curtois-Qu solutions: hard rules and the exact objective.

Deliberately plain loops over the assignment, sharing nothing with the
CP-SAT model or the rule library, so a modelling mistake there shows up here as
a violation or a different objective.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .curtois_format import CurtoisInstance

Assignment = dict[tuple[str, int], str]  # (employee id, day) -> shift id; absent = day off


@dataclass
class CurtoisCheck:
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


def check_curtois(inst: CurtoisInstance, assignment: Assignment) -> CurtoisCheck:
    out = CurtoisCheck()
    bad = out.violations.append
    horizon = inst.horizon
    for (emp, d), s in assignment.items():
        if s not in inst.shifts:
            bad(f"{emp} day {d}: unknown shift {s}")
        if not 0 <= d < horizon:
            bad(f"{emp} day {d}: outside the horizon")
    for e in inst.staff:
        plan = [assignment.get((e.id, d)) for d in range(horizon)]
        worked = [s is not None for s in plan]
        for d in range(horizon - 1):
            if plan[d] and plan[d + 1] and plan[d + 1] in inst.shifts[plan[d]].forbidden_next:
                bad(f"{e.id} day {d}: {plan[d]} followed by {plan[d + 1]}")
        counts = Counter(s for s in plan if s)
        for s, k in counts.items():
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
            if worked[d]:
                bad(f"{e.id}: works on day off {d}")
    on = sum(r.weight for r in inst.shift_on_requests if assignment.get((r.employee, r.day)) != r.shift)
    off = sum(r.weight for r in inst.shift_off_requests if assignment.get((r.employee, r.day)) == r.shift)
    staffed = Counter((d, s) for (_, d), s in assignment.items())
    under = sum(max(c.required - staffed[c.day, c.shift], 0) * c.under_weight for c in inst.cover)
    over = sum(max(staffed[c.day, c.shift] - c.required, 0) * c.over_weight for c in inst.cover)
    out.breakdown = {"shift_on_requests": on, "shift_off_requests": off, "under_cover": under, "over_cover": over}
    out.objective = on + off + under + over
    return out
