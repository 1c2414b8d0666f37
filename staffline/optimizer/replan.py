"""Re-planning a published roster: absences, pins, a frozen past and a price on every change.

A published roster is a promise to the staff, so a repair after a sick day
should move as few shifts as it can (Timefold's "non-disruptive
re-planning"). Everything re-planning adds to the ordinary roster model is
here, as rule objects (``constraints.rules.Rule``) and one
:class:`Amendment` that the pipeline hands to ``solve_roster``:

* an :class:`Absence` forbids every shift overlapping the time away (one
  hard rule per person and day, so a diagnosis names the absence) and
  relaxes the person's contract minimums by the time away;
* a kept person-day (``--pin``, or before ``--from``) must work exactly the
  published shift, and its published roles are reserved in the class-level
  role counts and fixed when persons get their roles;
* the soft rule ``replan changes`` costs ``[replan] shift_change_weight`` per
  person-day whose shift differs from the published one; when persons get
  their roles, ``role_slot_weight`` per slot of an unchanged shift on
  another role (:meth:`RoleAnchor.for_day`).

The same rules serve ``roster --absent`` (no published roster: no keeping,
no change penalty).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from staffline.constraints.rules import Rule
from staffline.errors import InputError, Problem
from staffline.model import Instance, ReplanWeights, minutes_of

CHANGES = "replan changes"  # the soft rule's name in the solver's penalties
DAY_MINUTES = 24 * 60

_DATE = r"\d{4}-\d{2}-\d{2}"
_ABSENCE = re.compile(rf"^(?P<emp>[^=\s]+)=(?P<a>{_DATE})(?::(?P<b>{_DATE})|T(?P<t0>\d{{2}}:\d{{2}})-(?P<t1>\d{{2}}:\d{{2}}))?$")
_PIN = re.compile(rf"^(?P<emp>[^=\s]+)=(?P<day>{_DATE})$")


def _bad(option: str, text: str, message: str) -> InputError:
    return InputError(Problem(option, None, option.lstrip("-"), f"{message}, got {text!r}"))


@dataclass(frozen=True)
class Absence:
    """``employee`` is away from ``start`` to ``end`` (exclusive)."""

    employee: str
    start: dt.datetime
    end: dt.datetime

    def window(self, day: dt.date) -> tuple[int, int] | None:
        """Minutes since midnight [a, b) of ``day`` that the absence covers, or None."""
        lo = max(self.start, dt.datetime.combine(day, dt.time()))
        hi = min(self.end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        if hi <= lo:
            return None
        midnight = dt.datetime.combine(day, dt.time())
        return int((lo - midnight).total_seconds() // 60), int((hi - midnight).total_seconds() // 60)

    def rule_name(self, day: dt.date) -> str:
        a, b = self.window(day) or (0, DAY_MINUTES)
        part = "" if (a, b) == (0, DAY_MINUTES) else f" {a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
        return f"absence of {self.employee} on {day}{part}"


def parse_absence(text: str) -> Absence:
    """``E05=2026-12-02``, ``E05=2026-12-02:2026-12-04`` (inclusive) or ``E05=2026-12-02T12:00-17:00``."""
    m = _ABSENCE.match(text.strip())
    if not m:
        raise _bad("--absent", text, "expected EMP=YYYY-MM-DD, EMP=YYYY-MM-DD:YYYY-MM-DD or EMP=YYYY-MM-DDTHH:MM-HH:MM")
    try:
        first = dt.date.fromisoformat(m["a"])
        if m["t0"]:
            start = dt.datetime.combine(first, dt.time.fromisoformat(m["t0"]))
            end = dt.datetime.combine(first, dt.time.fromisoformat(m["t1"]))
        else:
            last = dt.date.fromisoformat(m["b"]) if m["b"] else first
            start, end = dt.datetime.combine(first, dt.time()), dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    except ValueError as exc:
        raise _bad("--absent", text, f"not a valid date or time ({exc})") from None
    if end <= start:
        raise _bad("--absent", text, "the absence ends before it starts")
    return Absence(m["emp"], start, end)


def parse_pin(text: str) -> tuple[str, dt.date]:
    """``E03=2026-12-04`` -> (employee, date)."""
    m = _PIN.match(text.strip())
    try:
        if m:
            return m["emp"], dt.date.fromisoformat(m["day"])
    except ValueError:
        pass
    raise _bad("--pin", text, "expected EMP=YYYY-MM-DD or a CSV file with employee,date columns")


def read_pins(value: str) -> list[tuple[str, dt.date]]:
    """One ``--pin`` value: ``EMP=DATE``, or a CSV file of ``employee,date`` rows."""
    path = Path(value)
    if "=" in value or not path.is_file():
        return [parse_pin(value)]
    try:
        frame = pd.read_csv(path, dtype=str)
        return [parse_pin(f"{e}={d}") for e, d in zip(frame["employee"], frame["date"])]
    except (KeyError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise _bad("--pin", value, "expected a CSV file with employee,date columns") from None


def parse_moment(text: str, option: str = "--from") -> dt.datetime:
    """A moment option (``--from``, ``intraday --now``): ``2026-12-02T12:00`` or a date (its midnight)."""
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise _bad(option, text, "expected YYYY-MM-DDTHH:MM") from None


Shift = tuple[tuple[int, int, str], ...]  # the blocks of one person-day: (start minute, end minute, role)


def person_days(roster: pd.DataFrame) -> dict[tuple[str, dt.date], Shift]:
    """Roster rows -> the blocks of each worked person-day, in time order."""
    out: dict[tuple[str, dt.date], list] = {}
    for row in roster.itertuples():
        start, end = minutes_of(dt.time.fromisoformat(row.start)), minutes_of(dt.time.fromisoformat(row.end))
        out.setdefault((str(row.employee), dt.date.fromisoformat(str(row.date))), []).append((start, end, str(row.role)))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def slot_roles(blocks: Shift, open_minute: int, slot_minutes: int) -> dict[int, str]:
    """Slot index (from the day's opening) -> role, for the slots a person-day works."""
    return {
        (m - open_minute) // slot_minutes: role for start, end, role in blocks for m in range(start, end, slot_minutes) if m >= open_minute
    }


@dataclass
class RoleAnchor:
    """The published roles, for the person-level role assignment of each day."""

    published: Mapping[tuple[str, dt.date], Shift]
    kept: frozenset[tuple[str, dt.date]]
    weight: float

    def for_day(
        self, day: dt.date, shifts: Mapping[str, tuple[int, ...]], open_minute: int, slot_minutes: int
    ) -> tuple[dict[tuple[str, int], str], dict[tuple[str, int], str]]:
        """(roles to prefer, roles to fix) per (person, slot) of a day, given each person's new worked slots.

        A role is preferred only where the person's shift is the published
        one: a changed shift already paid its change.
        """
        prefer, fixed = {}, {}
        for pid, slots in shifts.items():
            roles = slot_roles(self.published.get((pid, day), ()), open_minute, slot_minutes)
            if tuple(sorted(roles)) != tuple(slots):
                continue
            target = fixed if (pid, day) in self.kept else prefer
            target.update({(pid, s): r for s, r in roles.items()})
        return prefer, fixed


@dataclass
class AwayRule(Rule):
    """Hard: no shift of ``employee`` overlapping minutes [start, end) of ``day``."""

    employee: int = 0
    day: dt.date = dt.date.min
    start: int = 0
    end: int = DAY_MINUTES

    @property
    def personal_to(self) -> tuple[int, ...]:
        """The employee it concerns: no longer interchangeable with colleagues (symmetry breaking)."""
        return (self.employee,)

    def add_to(self, b) -> None:
        for d, grid in enumerate(b.days):
            if grid.date != self.day:
                continue
            for t, var in b.x[self.employee, d].items():
                tpl = grid.templates[t]
                if tpl.start < self.end and self.start < tpl.end:
                    b.add(var == 0, self.name)
                    b.excluded.add((self.employee, d, t))


@dataclass
class KeepRule(Rule):
    """Hard: these person-days work exactly their published shift (or stay off), published roles reserved.

    On the day of ``frozen_minute`` (and every day in ``frozen_days``) no
    other person-day may start a shift before it: that time has passed.
    """

    kept: Mapping[tuple[int, dt.date], Shift] = field(default_factory=dict)
    frozen_day: dt.date | None = None
    frozen_minute: int = 0
    frozen_days: frozenset[dt.date] = frozenset()

    @property
    def personal_to(self) -> tuple[int, ...]:
        return tuple(sorted({i for i, _ in self.kept}))

    def add_to(self, b) -> None:
        reserved: dict[tuple[frozenset, int, int, str], int] = {}
        for d, grid in enumerate(b.days):
            kept_today = {i: blocks for (i, day), blocks in self.kept.items() if day == grid.date}
            for i in range(len(b.employees)):
                if i in kept_today:
                    self._keep(b, i, d, grid, kept_today[i], reserved)
                elif grid.date in self.frozen_days:
                    b.add(b.works[i, d] == 0, self.name)
                    b.required[i, d] = None
                elif grid.date == self.frozen_day:
                    for t, var in b.x[i, d].items():
                        if grid.templates[t].start < self.frozen_minute:
                            b.add(var == 0, self.name)
                            b.excluded.add((i, d, t))
        for (c, d, s, r), count in reserved.items():
            b.add(b.y[c, d, s, r] >= count, self.name)

    def _keep(self, b, i: int, d: int, grid, blocks: Shift, reserved: dict) -> None:
        if not blocks:
            b.add(b.works[i, d] == 0, self.name)
            b.required[i, d] = None
            return
        open_minute = minutes_of(grid.slots[0])
        roles = slot_roles(blocks, open_minute, b.branch.slot_minutes)
        match = [t for t in b.x[i, d] if grid.templates[t].slots == tuple(sorted(roles))]
        if not match:  # the published shift is no shift of this branch now: keeping it is impossible
            b.add(b.works[i, d] >= 2, self.name)
            return
        b.add(b.x[i, d][match[0]] == 1, self.name)
        b.required[i, d] = match[0]
        cls = frozenset(b.employees[i].roles)
        for s, r in roles.items():
            if r in cls:
                reserved[cls, d, s, r] = reserved.get((cls, d, s, r), 0) + 1


@dataclass
class ChangeRule(Rule):
    """Soft: ``weight`` per person-day whose shift is not the published one (``published`` by employee index)."""

    published: Mapping[tuple[int, dt.date], Shift] = field(default_factory=dict)

    @property
    def personal_to(self) -> tuple[int, ...]:
        return tuple(sorted({i for i, _ in self.published}))

    def add_to(self, b) -> None:
        for d, grid in enumerate(b.days):
            if not grid.templates:
                continue
            open_minute = minutes_of(grid.slots[0]) if grid.slots else 0
            for i in range(len(b.employees)):
                blocks = self.published.get((i, grid.date))
                if not blocks:
                    b.penalty(b.works[i, d], self.weight, self.name)
                    b.preferred[i, d] = None
                    continue
                slots = tuple(sorted(slot_roles(blocks, open_minute, b.branch.slot_minutes)))
                same = [t for t in b.x[i, d] if grid.templates[t].slots == slots]
                if same:
                    b.penalty(1 - b.x[i, d][same[0]], self.weight, self.name)
                    b.preferred[i, d] = same[0]


@dataclass
class Amendment:
    """What re-planning (or ``roster --absent``) changes in a plan from scratch.

    ``published`` is the roster being repaired (None: plan from scratch with
    the absences); ``pins`` person-days keep their published shift and roles,
    as does every person-day before ``frozen_until``; ``weights`` price the
    changes (the branch's ``[replan]`` when None).
    """

    absences: tuple[Absence, ...] = ()
    published: pd.DataFrame | None = None
    pins: tuple[tuple[str, dt.date], ...] = ()
    frozen_until: dt.datetime | None = None
    weights: ReplanWeights | None = None
    weeks: int = 1  # the plan's length in weeks from its Monday

    def dates(self, week_start: dt.date) -> list[dt.date]:
        """The plan's days."""
        return [week_start + dt.timedelta(days=k) for k in range(7 * self.weeks)]

    def validate(self, instance: Instance, week_start: dt.date) -> None:
        """Bad input (exit 2) for unknown employees, dates outside the plan, pins without a published roster."""
        ids = {e.id for e in instance.staff}
        end = week_start + dt.timedelta(days=7 * self.weeks)
        week = (dt.datetime.combine(week_start, dt.time()), dt.datetime.combine(end, dt.time()))
        for a in self.absences:
            text = f"{a.employee}={a.start:%Y-%m-%dT%H:%M}"
            if a.employee not in ids:
                raise _bad("--absent", text, f"unknown employee {a.employee!r}")
            if a.end <= week[0] or a.start >= week[1]:
                raise _bad("--absent", text, f"not in the week of {week_start}")
        if self.published is not None and not set(self.published["employee"]) <= ids:
            unknown = sorted(set(self.published["employee"]) - ids)
            raise InputError(Problem("published roster", None, "employee", f"unknown employee(s) {', '.join(unknown)}"))
        for emp, day in self.pins:
            if emp not in ids:
                raise _bad("--pin", f"{emp}={day}", f"unknown employee {emp!r}")
            if self.published is None:
                raise _bad("--pin", f"{emp}={day}", "a pin needs a published roster")
            if not 0 <= (day - week_start).days < 7 * self.weeks:
                raise _bad("--pin", f"{emp}={day}", f"not in the week of {week_start}")
            if any(a.employee == emp and a.window(day) for a in self.absences):
                raise _bad("--pin", f"{emp}={day}", "the employee is absent that day: pin or absence, not both")

    def away(self, emp: str, day: dt.date) -> bool:
        return any(a.employee == emp and a.window(day) for a in self.absences)

    def kept(self, instance: Instance, week_start: dt.date) -> dict[tuple[str, dt.date], Shift]:
        """Person-days kept as published: the pins, and every one that started before ``frozen_until``.

        An absence wins over the frozen past: a person away cannot be kept
        on shift (their day is re-planned without them).
        """
        if self.published is None:
            return {}
        published = person_days(self.published)
        keys = set(self.pins)
        if self.frozen_until is not None:
            for day in self.dates(week_start):
                for e in instance.staff:
                    blocks = published.get((e.id, day), ())
                    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=blocks[0][0] if blocks else DAY_MINUTES)
                    if day < self.frozen_until.date() or moment < self.frozen_until:
                        keys.add((e.id, day))
        return {k: published.get(k, ()) for k in keys if not self.away(*k)}

    def relaxed(self, instance: Instance, week_start: dt.date) -> Instance:
        """The instance with each absent person's contract minimums lowered by the time away, week by week.

        In each week of the plan, minimum hours drop by the opening hours the
        absence covers in that week (at most one maximum-length shift a day)
        and minimum days by the days of that week it touches
        (``Contract.week_relief``); a horizon minimum drops by the whole
        absence. An absence in the second week leaves the first week's
        minimums whole.
        """
        if not self.absences:
            return instance
        cap = round(instance.branch.shift_rules.max_shift_hours * 60)
        dates = self.dates(week_start)
        staff = []
        for e in instance.staff:
            relief = []
            for w in range(self.weeks):
                minutes, days = 0, 0
                for day in dates[7 * w : 7 * w + 7]:
                    opening = instance.branch.opening(day)
                    if not opening.is_open:
                        continue
                    lo, hi = minutes_of(opening.open), minutes_of(opening.close)
                    windows = [w for a in self.absences if a.employee == e.id and (w := a.window(day))]
                    overlap = sum(max(0, min(end, hi) - max(start, lo)) for start, end in windows)
                    if overlap:
                        minutes, days = minutes + min(overlap, cap), days + 1
                relief.append((minutes / 60, days))
            if any(days for _, days in relief):
                c = e.contract
                away = sum(hours for hours, _ in relief)
                horizon = None if c.min_hours_horizon is None else max(0.0, c.min_hours_horizon - away)
                e = dataclasses.replace(e, contract=dataclasses.replace(c, week_relief=tuple(relief), min_hours_horizon=horizon))
            staff.append(e)
        return dataclasses.replace(instance, staff=tuple(staff))

    def rules(self, instance: Instance, week_start: dt.date) -> list[Rule]:
        """The rule objects to add to the week's model: absences, keeping, the change penalty."""
        index = {e.id: i for i, e in enumerate(instance.staff)}
        rules: list[Rule] = []
        for a in self.absences:
            for day in self.dates(week_start):
                w = a.window(day)
                if w:
                    rules.append(AwayRule(name=a.rule_name(day), employee=index[a.employee], day=day, start=w[0], end=w[1]))
        if self.published is None:
            return rules
        kept = {(index[e], day): blocks for (e, day), blocks in self.kept(instance, week_start).items()}
        pinned = {(index[e], day): kept.pop((index[e], day)) for e, day in self.pins if (index[e], day) in kept}
        for (i, day), blocks in sorted(pinned.items()):
            rules.append(KeepRule(name=f"pin of {instance.staff[i].id} on {day}", kept={(i, day): blocks}))
        if self.frozen_until is not None:
            f = self.frozen_until
            rules.append(
                KeepRule(
                    name=f"frozen before {f:%Y-%m-%dT%H:%M}",
                    kept=kept,
                    frozen_day=f.date(),
                    frozen_minute=f.hour * 60 + f.minute,
                    frozen_days=frozenset(d for d in self.dates(week_start) if d < f.date()),
                )
            )
        weights = self.weights or instance.branch.replan
        published = {(index[e], day): blocks for (e, day), blocks in person_days(self.published).items() if e in index}
        if weights.shift_change_weight:
            rules.append(ChangeRule(name=CHANGES, hard=False, weight=weights.shift_change_weight, published=published))
        return rules

    def check_args(self, instance: Instance, week_start: dt.date) -> dict:
        """The independent checker's extra arguments: kept person-days and absences."""
        return {"kept": self.kept(instance, week_start), "absences": self.absences}

    def anchor(self, instance: Instance, week_start: dt.date) -> RoleAnchor | None:
        """The published roles for the person-level role assignment (None without a published roster)."""
        if self.published is None:
            return None
        weights = self.weights or instance.branch.replan
        return RoleAnchor(person_days(self.published), frozenset(self.kept(instance, week_start)), weights.role_slot_weight)


def shift_text(blocks: Shift) -> str:
    """'09:00-17:00 counter/lobby' or 'off', as roster_wide shows a person-day."""
    if not blocks:
        return "off"
    hm = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    return f"{hm(blocks[0][0])}-{hm(blocks[-1][1])} " + "/".join(dict.fromkeys(r for _, _, r in blocks))


def diff_rosters(
    before: pd.DataFrame, after: pd.DataFrame, amendment: Amendment, slot_minutes: int, weights: ReplanWeights
) -> tuple[pd.DataFrame, dict]:
    """changes.csv (employee, date, before, after, reason) and kpis ``changes`` = person_days, role_slots, penalty.

    A person-day changes when its worked time changes (``shift``); on the
    same worked time, each slot on another role is one role-slot change.
    """
    old, new = person_days(before), person_days(after)
    rows, shifts, slots = [], 0, 0
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, ()), new.get(key, ())
        if a == b:
            continue
        ra, rb = slot_roles(a, 0, slot_minutes), slot_roles(b, 0, slot_minutes)
        if sorted(ra) == sorted(rb):
            moved = sum(ra[s] != rb[s] for s in ra)
            slots += moved
            reason = f"roles changed in {moved} slot(s)"
        else:
            shifts += 1
            reason = "absent" if amendment.away(*key) else "shift changed"
        rows.append((key[0], key[1].isoformat(), shift_text(a), shift_text(b), reason))
    frame = pd.DataFrame(rows, columns=["employee", "date", "before", "after", "reason"])
    penalty = weights.shift_change_weight * shifts + weights.role_slot_weight * slots
    return frame, {"person_days": shifts, "role_slots": slots, "penalty": round(penalty, 3)}


def published_roster(roster: pd.DataFrame | str | Path) -> pd.DataFrame:
    """A published roster.csv (or frame) as text columns ``employee, date, start, end, role``; bad input names the file."""
    source = str(roster) if not isinstance(roster, pd.DataFrame) else "published roster"
    try:
        frame = pd.read_csv(roster, dtype=str) if not isinstance(roster, pd.DataFrame) else roster.astype(str)
        frame = frame[["employee", "date", "start", "end", "role"]]
        for t in list(frame["start"]) + list(frame["end"]):
            dt.time.fromisoformat(t)
    except FileNotFoundError:
        raise InputError(Problem(source, None, None, "roster file not found")) from None
    except (KeyError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Problem(source, None, None, f"expected roster.csv columns employee,date,start,end,role ({exc})")) from None
    return frame.reset_index(drop=True)


def absence_blocks(roster: pd.DataFrame, absences: Iterable[Absence]) -> pd.DataFrame:
    """The roster without the blocks that the absences cover (what happens if nobody re-plans)."""
    away = list(absences)

    def covered(row) -> bool:
        day = dt.date.fromisoformat(row.date)
        a, b = minutes_of(dt.time.fromisoformat(row.start)), minutes_of(dt.time.fromisoformat(row.end))
        return any(x.employee == row.employee and (w := x.window(day)) and w[0] < b and a < w[1] for x in away)

    keep = [not covered(r) for r in roster.itertuples()]
    return roster[keep].reset_index(drop=True)


__all__: Sequence[str] = [
    "Absence",
    "Amendment",
    "RoleAnchor",
    "diff_rosters",
    "parse_absence",
    "parse_moment",
    "parse_pin",
    "published_roster",
    "read_pins",
]
