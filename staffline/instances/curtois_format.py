"""Reader of the Curtois-Qu benchmark text format (schedulingbenchmarks.org).

Sections ``SECTION_HORIZON``, ``SECTION_SHIFTS``, ``SECTION_STAFF``,
``SECTION_DAYS_OFF``, ``SECTION_SHIFT_ON_REQUESTS``,
``SECTION_SHIFT_OFF_REQUESTS``, ``SECTION_COVER``; comma-separated, ``#``
comments. Every malformed line is collected as a :class:`Problem` naming the
file, line and field, and raised together as one :class:`InputError`, the same
contract as the branch loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ProblemLog

SECTIONS = (
    "SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS", "SECTION_COVER",
)
REQUIRED = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_COVER")


@dataclass(frozen=True)
class Shift:
    id: str
    minutes: int
    forbidden_next: frozenset[str]


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int
    days_off: frozenset[int]


@dataclass(frozen=True)
class ShiftRequest:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    required: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class CurtoisInstance:
    name: str
    horizon: int
    shifts: dict[str, Shift]
    staff: list[Staff]
    shift_on_requests: list[ShiftRequest]
    shift_off_requests: list[ShiftRequest]
    cover: list[Cover]


STAFF_FIELDS = ("id", "max_shifts", "max_minutes", "min_minutes", "max_consecutive", "min_consecutive", "min_days_off", "max_weekends")
REQUEST_FIELDS = ("employee", "day", "shift", "weight")
COVER_FIELDS = ("day", "shift", "required", "under_weight", "over_weight")


class _Lines:
    """Section -> [(line number, fields)], with a problem log bound to the file name."""

    def __init__(self, path: Path):
        self.file = path.name
        self.log = ProblemLog()
        self.sections: dict[str, list[tuple[int, list[str]]]] = {}
        current = None
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("SECTION_"):
                current = line
                if line not in SECTIONS:
                    self.log.add(self.file, number, None, f"unknown section {line}")
                self.sections.setdefault(line, [])
            elif current is None:
                self.log.add(self.file, number, None, "data before the first SECTION_ line")
            else:
                self.sections[current].append((number, [f.strip() for f in line.split(",")]))
        for name in REQUIRED:
            if name not in self.sections:
                self.log.add(self.file, None, name, "section missing")

    def rows(self, section: str, names: tuple[str, ...], at_least: int | None = None):
        for number, fields in self.sections.get(section, []):
            need = len(names) if at_least is None else at_least
            if len(fields) < need:
                self.log.add(self.file, number, names[len(fields)] if len(fields) < len(names) else None,
                             f"{section}: expected {len(names)} comma-separated fields, got {len(fields)}")
                continue
            yield number, fields

    def integer(self, number: int, field: str, text: str, low: int = 0) -> int:
        try:
            value = int(text)
        except ValueError:
            self.log.add(self.file, number, field, f"expected an integer, got {text!r}")
            return low
        if value < low:
            self.log.add(self.file, number, field, f"must be >= {low}, got {value}")
        return value


def read_curtois(path: str | Path) -> CurtoisInstance:
    """Parse one ``InstanceN.txt``; raises InputError listing every malformed line."""
    path = Path(path)
    src = _Lines(path)
    horizon_rows = list(src.rows("SECTION_HORIZON", ("horizon",)))
    horizon = src.integer(horizon_rows[0][0], "horizon", horizon_rows[0][1][0], 1) if horizon_rows else 1
    shifts: dict[str, Shift] = {}
    for number, f in src.rows("SECTION_SHIFTS", ("id", "minutes", "forbidden_next"), at_least=2):
        nxt = frozenset(s for s in (f[2].split("|") if len(f) > 2 else []) if s)
        shifts[f[0]] = Shift(f[0], src.integer(number, "minutes", f[1], 1), nxt)
    for number, f in src.sections.get("SECTION_SHIFTS", []):
        for s in (f[2].split("|") if len(f) > 2 else []):
            if s and s not in shifts:
                src.log.add(src.file, number, "forbidden_next", f"unknown shift {s!r}")

    def day(number: int, text: str, field: str = "day") -> int:
        value = src.integer(number, field, text)
        if not 0 <= value < horizon:
            src.log.add(src.file, number, field, f"day {value} outside the horizon 0..{horizon - 1}")
        return value

    def shift_id(number: int, text: str) -> str:
        if text not in shifts:
            src.log.add(src.file, number, "shift", f"unknown shift {text!r}")
        return text

    staff: dict[str, dict] = {}
    for number, f in src.rows("SECTION_STAFF", STAFF_FIELDS):
        limits = {}
        for part in filter(None, f[1].split("|")):
            sid, _, k = part.partition("=")
            limits[shift_id(number, sid)] = src.integer(number, "max_shifts", k)
        values = [src.integer(number, name, text) for name, text in zip(STAFF_FIELDS[2:], f[2:8])]
        staff[f[0]] = dict(zip(STAFF_FIELDS, [f[0], limits, *values]), days_off=set())
    for number, f in src.sections.get("SECTION_DAYS_OFF", []):
        if f[0] not in staff:
            src.log.add(src.file, number, "employee", f"unknown employee {f[0]!r}")
            continue
        staff[f[0]]["days_off"].update(day(number, d) for d in f[1:] if d)

    def requests(section: str) -> list[ShiftRequest]:
        out = []
        for number, f in src.rows(section, REQUEST_FIELDS):
            if f[0] not in staff:
                src.log.add(src.file, number, "employee", f"unknown employee {f[0]!r}")
            out.append(ShiftRequest(f[0], day(number, f[1]), shift_id(number, f[2]), src.integer(number, "weight", f[3])))
        return out

    on, off = requests("SECTION_SHIFT_ON_REQUESTS"), requests("SECTION_SHIFT_OFF_REQUESTS")
    cover = [
        Cover(day(n, f[0]), shift_id(n, f[1]), *(src.integer(n, name, text) for name, text in zip(COVER_FIELDS[2:], f[2:5])))
        for n, f in src.rows("SECTION_COVER", COVER_FIELDS)
    ]
    src.log.raise_if_any()
    people = [Staff(**{**s, "days_off": frozenset(s["days_off"])}) for s in staff.values()]
    return CurtoisInstance(path.stem, horizon, shifts, people, on, off, cover)
