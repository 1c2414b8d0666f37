"""Strict reader of the Curtois-Qu benchmark text format (schedulingbenchmarks.org).

Sections ``SECTION_HORIZON``, ``SECTION_SHIFTS``, ``SECTION_STAFF``,
``SECTION_DAYS_OFF``, ``SECTION_SHIFT_ON_REQUESTS``,
``SECTION_SHIFT_OFF_REQUESTS``, ``SECTION_COVER``; comma-separated, ``#``
starts a comment (see ``/work/shared/benchmarks/curtois/README.md``).

It returns the frozen dataclasses of :mod:`staffline.curtois.format` and rejects
unreadable or non-UTF-8 files, duplicate sections, duplicate
shift / employee ids, duplicate cover rows, empty ids, extra fields, and
repeated shift limits. Every problem names the file, the 1-based line and the
field, and all of them are raised together as one
:class:`~staffline.errors.InputError` - never a bare exception for malformed
content.
"""

from __future__ import annotations

from pathlib import Path

from staffline.curtois.format import Cover, CurtoisInstance, Shift, ShiftRequest, Staff
from staffline.errors import InputError, Problem, ProblemLog

__all__ = [
    "REQUIRED",
    "SECTIONS",
    "Cover",
    "CurtoisInstance",
    "Shift",
    "ShiftRequest",
    "Staff",
    "parse_curtois",
    "read_curtois",
]

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
REQUIRED = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_COVER")

SHIFT_FIELDS = ("id", "minutes", "forbidden_next")
STAFF_FIELDS = ("id", "max_shifts", "max_minutes", "min_minutes", "max_consecutive", "min_consecutive", "min_days_off", "max_weekends")
REQUEST_FIELDS = ("employee", "day", "shift", "weight")
COVER_FIELDS = ("day", "shift", "required", "under_weight", "over_weight")


class _Reader:
    """Splits the text into sections of (line number, fields) and logs problems."""

    def __init__(self, file: str, text: str):
        self.file = file
        self.log = ProblemLog()
        self.sections: dict[str, list[tuple[int, list[str]]]] = {}
        first_seen: dict[str, int] = {}
        current: str | None = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("SECTION_"):
                current = line
                if line not in SECTIONS:
                    self.add(number, None, f"unknown section {line}")
                elif line in first_seen:
                    self.add(number, None, f"section {line} repeated (first at row {first_seen[line]})")
                first_seen.setdefault(line, number)
                self.sections.setdefault(line, [])
            elif current is None:
                self.add(number, None, "data before the first SECTION_ line")
            else:
                self.sections[current].append((number, [f.strip() for f in line.split(",")]))
        for name in REQUIRED:
            if name not in self.sections:
                self.add(None, name, "section missing")

    def add(self, row: int | None, field: str | None, message: str) -> None:
        self.log.add(self.file, row, field, message)

    def first(self, seen: dict, key, row: int, field: str, what: str) -> bool:
        """Remember ``key`` at ``row``; a repeat is reported (naming the first row) and gives False."""
        if key in seen:
            self.add(row, field, f"duplicate {what} (first at row {seen[key]})")
            return False
        seen[key] = row
        return True

    def rows(self, section: str, names: tuple[str, ...], optional_last: bool = False):
        """Rows of ``section`` with exactly ``len(names)`` fields (the last may be absent if optional)."""
        low = len(names) - 1 if optional_last else len(names)
        for number, fields in self.sections.get(section, []):
            if len(fields) < low:
                self.add(number, names[len(fields)], f"{section}: expected {len(names)} comma-separated fields, got {len(fields)}")
            elif len(fields) > len(names):
                self.add(number, None, f"{section}: expected {len(names)} comma-separated fields, got {len(fields)}")
            else:
                yield number, fields + [""] * (len(names) - len(fields))

    def integer(self, row: int, field: str, text: str, low: int = 0) -> int | None:
        try:
            value = int(text)
        except ValueError:
            self.add(row, field, f"expected an integer, got {text!r}")
            return None
        if value < low:
            self.add(row, field, f"must be >= {low}, got {value}")
            return None
        return value

    def ident(self, row: int, field: str, text: str) -> str | None:
        if not text:
            self.add(row, field, "empty id")
            return None
        return text


def _decode(file: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        row = data[: err.start].count(b"\n") + 1
        raise InputError(Problem(file, row, None, f"not UTF-8 text (byte 0x{data[err.start]:02x})")) from None


def read_curtois(path: str | Path) -> CurtoisInstance:
    """Parse one ``InstanceN.txt``; raises InputError listing every malformed line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(Problem(path.name, None, None, f"cannot read file: {err.strerror or err}")) from None
    return parse_curtois(_decode(path.name, data), name=path.stem, file=path.name)


def parse_curtois(text: str, name: str = "instance", file: str = "<text>") -> CurtoisInstance:
    """Parse benchmark text already in memory (``file`` is the name problems carry)."""
    src = _Reader(file, text)

    # Horizon: exactly one positive integer.
    horizon: int | None = None
    rows = list(src.rows("SECTION_HORIZON", ("horizon",)))
    if "SECTION_HORIZON" in src.sections and not src.sections["SECTION_HORIZON"]:
        src.add(None, "horizon", "SECTION_HORIZON has no value")
    for number, _ in src.sections.get("SECTION_HORIZON", [])[1:]:
        src.add(number, "horizon", "SECTION_HORIZON holds more than one value")
    if rows:
        horizon = src.integer(rows[0][0], "horizon", rows[0][1][0], low=1)

    def day(row: int, text: str, field: str = "day") -> int | None:
        value = src.integer(row, field, text)
        if value is not None and horizon is not None and value >= horizon:
            src.add(row, field, f"day {value} outside the horizon 0..{horizon - 1}")
            return None
        return value

    # Shifts: id, minutes, forbidden successors (checked once every id is known).
    shifts: dict[str, Shift] = {}
    successors: list[tuple[int, str, list[str]]] = []
    shift_rows: dict[str, int] = {}
    for number, f in src.rows("SECTION_SHIFTS", SHIFT_FIELDS, optional_last=True):
        sid = src.ident(number, "id", f[0])
        minutes = src.integer(number, "minutes", f[1], low=1)
        if sid is None:
            continue
        if not src.first(shift_rows, sid, number, "id", f"shift {sid!r}"):
            continue
        successors.append((number, sid, [s.strip() for s in f[2].split("|") if s.strip()]))
        shifts[sid] = Shift(sid, minutes if minutes is not None else 0, frozenset())
    for number, sid, nxt in successors:
        for s in nxt:
            if s not in shift_rows:
                src.add(number, "forbidden_next", f"unknown shift {s!r}")
        shifts[sid] = Shift(sid, shifts[sid].minutes, frozenset(nxt))

    def shift_id(row: int, text: str, field: str = "shift") -> str | None:
        if text not in shift_rows:
            src.add(row, field, f"unknown shift {text!r}")
            return None
        return text

    # Staff.
    staff: dict[str, dict] = {}
    staff_rows: dict[str, int] = {}
    for number, f in src.rows("SECTION_STAFF", STAFF_FIELDS):
        eid = src.ident(number, "id", f[0])
        limits: dict[str, int] = {}
        for part in f[1].split("|"):
            part = part.strip()
            if not part:
                continue
            sid, eq, k = (x.strip() for x in part.partition("="))
            if not eq:
                src.add(number, "max_shifts", f"expected SHIFT=COUNT, got {part!r}")
                continue
            sid = shift_id(number, sid, "max_shifts")
            count = src.integer(number, "max_shifts", k)
            if sid is not None and sid in limits:
                src.add(number, "max_shifts", f"shift {sid!r} limited twice")
            elif sid is not None and count is not None:
                limits[sid] = count
        values = {field: src.integer(number, field, text) for field, text in zip(STAFF_FIELDS[2:], f[2:])}
        if eid is None:
            continue
        if not src.first(staff_rows, eid, number, "id", f"employee {eid!r}"):
            continue
        staff[eid] = dict(id=eid, max_shifts=limits, **{k: (v or 0) for k, v in values.items()}, days_off=set())

    def employee(row: int, text: str) -> str | None:
        if text not in staff_rows:
            src.add(row, "employee", f"unknown employee {text!r}")
            return None
        return text

    # Days off: employee, then one or more day indexes.
    for number, f in src.sections.get("SECTION_DAYS_OFF", []):
        eid = employee(number, f[0])
        days = [day(number, d) for d in f[1:] if d]
        if eid is not None:
            staff[eid]["days_off"].update(d for d in days if d is not None)

    def requests(section: str) -> list[ShiftRequest]:
        out = []
        for number, f in src.rows(section, REQUEST_FIELDS):
            parsed = (employee(number, f[0]), day(number, f[1]), shift_id(number, f[2]), src.integer(number, "weight", f[3]))
            if None not in parsed:
                out.append(ShiftRequest(*parsed))
        return out

    on = requests("SECTION_SHIFT_ON_REQUESTS")
    off = requests("SECTION_SHIFT_OFF_REQUESTS")

    cover: list[Cover] = []
    cover_rows: dict[tuple[int, str], int] = {}
    for number, f in src.rows("SECTION_COVER", COVER_FIELDS):
        d, s = day(number, f[0]), shift_id(number, f[1])
        values = [src.integer(number, field, text) for field, text in zip(COVER_FIELDS[2:], f[2:])]
        if d is None or s is None or None in values:
            continue
        if not src.first(cover_rows, (d, s), number, "shift", f"cover for day {d} shift {s}"):
            continue
        cover.append(Cover(d, s, *values))

    src.log.raise_if_any()
    people = [Staff(**{**s, "days_off": frozenset(s["days_off"])}) for s in staff.values()]
    return CurtoisInstance(name, horizon, shifts, people, on, off, cover)
