"""Shift templates: every allowed (start, end, lunch) pattern of one day.

Why templates: choosing one template per employee and day makes shift shape
rules (length, lunch inside its window, on the start grid) hold by
construction, so the optimizer only decides *which* template, never checks a
shape. Each template knows the slots it works (lunch excluded).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from staffline.model import Branch, Employee, minutes_of


@dataclass(frozen=True)
class ShiftTemplate:
    """One shift pattern of a day; minutes since midnight, end exclusive."""

    id: str
    start: int
    end: int
    lunch_start: int | None
    lunch_end: int | None
    slots: tuple[int, ...]  # indices into the day's open-slot list that are worked
    paid_minutes: int

    def fits(self, employee: Employee) -> bool:
        c = employee.contract
        if c.earliest_start is not None and self.start < minutes_of(c.earliest_start):
            return False
        if c.latest_end is not None and self.end > minutes_of(c.latest_end):
            return False
        return True

    @property
    def parts(self) -> list[list[int]]:
        """The worked slots split into contiguous parts (lunch splits a shift)."""
        return shift_parts(self.slots)

    def label(self) -> str:
        hhmm = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
        return f"{hhmm(self.start)}-{hhmm(self.end)}"


def shift_parts(slots: tuple[int, ...]) -> list[list[int]]:
    """Split worked slot indices into contiguous parts (a lunch gap splits a shift)."""
    parts: list[list[int]] = []
    for s in slots:
        if parts and parts[-1][-1] == s - 1:
            parts[-1].append(s)
        else:
            parts.append([s])
    return parts


def lunch_pairs(templates) -> dict[int, int] | None:
    """The day's lunches as (last slot before, first slot after) when each side names the other: leave slot -> back slot.

    Why: desk-change bounds over class counts (the roster model's and the
    staffing LP's) may then take the people back from lunch at slot v as
    exactly those who left after slot u. The branch has one lunch length, so
    this holds unless the slot grid cuts lunches unevenly; then None.
    """
    pairs: dict[int, set[int]] = {}
    backs: dict[int, set[int]] = {}
    for template in templates:
        parts = template.parts
        for before, after in zip(parts, parts[1:]):
            pairs.setdefault(before[-1], set()).add(after[0])
            backs.setdefault(after[0], set()).add(before[-1])
    if any(len(v) != 1 for v in pairs.values()) or any(len(u) != 1 for u in backs.values()):
        return None
    return {u: next(iter(v)) for u, v in pairs.items()}


def build_templates(branch: Branch, day: dt.date) -> list[ShiftTemplate]:
    """All shift templates of a day on the branch's grid (empty when closed)."""
    slots = branch.slots(day)
    if not slots:
        return []
    rules = branch.shift_rules
    step, slot = rules.start_step_minutes, branch.slot_minutes
    open_m = minutes_of(slots[0])
    close_m = minutes_of(slots[-1]) + slot
    min_len, max_len = round(rules.min_shift_hours * 60), round(rules.max_shift_hours * 60)
    lunch_len = rules.lunch_minutes
    win_lo, win_hi = minutes_of(rules.lunch_window[0]), minutes_of(rules.lunch_window[1])
    starts = list(range(open_m, close_m, step))
    ends = sorted({*range(open_m + step, close_m, step), close_m})
    out: list[ShiftTemplate] = []
    for start in starts:
        for end in ends:
            span = end - start
            if span < min_len or span > max_len:
                continue
            if span > rules.lunch_after_hours * 60 and lunch_len > 0:
                lunches = [ls for ls in range(win_lo, win_hi - lunch_len + 1, max(step, slot)) if ls > start and ls + lunch_len < end]
                for ls in lunches:
                    out.append(_template(start, end, ls, ls + lunch_len, open_m, slot))
            else:
                out.append(_template(start, end, None, None, open_m, slot))
    return out


def _template(start: int, end: int, ls: int | None, le: int | None, open_m: int, slot: int) -> ShiftTemplate:
    worked = tuple((m - open_m) // slot for m in range(start, end, slot) if ls is None or not (ls <= m < le))
    lunch = "" if ls is None else f"L{ls}"
    return ShiftTemplate(
        id=f"{start}-{end}{lunch}",
        start=start,
        end=end,
        lunch_start=ls,
        lunch_end=le,
        slots=worked,
        paid_minutes=len(worked) * slot,
    )
