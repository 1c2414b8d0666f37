"""Instance folders on disk: load with full validation, write back atomically.

An instance folder holds ``branch.toml``, ``staff.csv``, ``history.csv`` and
optionally ``appointments.csv`` and ``requests.csv`` (format in README).
:func:`load_instance` reads all of them, collects *every* problem it finds and
raises one :class:`~staffline.errors.InputError`, so a planner sees the whole
list at once. Row numbers are 1-based as a spreadsheet shows them (the header
is row 1). CSV files must be UTF-8; a byte-order mark is accepted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _io
import re
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from . import atomic
from .branch_config import (
    FieldError,
    branch_to_toml,
    contract_from_fields,
    parse_branch,
    parse_time,
    parse_time_range,
)
from .errors import InputError, Problem, ProblemLog
from .model import (
    APPOINTMENT_COLUMNS,
    HISTORY_COLUMNS,
    OUTCOMES,
    REQUEST_KINDS,
    TIERS,
    WEEKDAYS,
    Branch,
    Employee,
    Instance,
    Request,
)

STAFF_REQUIRED = ("id", "name", "roles")
STAFF_OPTIONAL = (
    "min_hours",
    "max_hours",
    "min_days",
    "max_days",
    "max_consecutive_days",
    "earliest_start",
    "latest_end",
    "cost_per_hour",
    "unavailable",
)
REQUEST_COLUMNS = ("employee", "day", "kind", "weight", "shift")
MIN_HISTORY_DAYS = 7


def read_text(path: Path, log: ProblemLog) -> str | None:
    """Read a UTF-8 file (BOM allowed); log a clear problem for other encodings."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        log.add(path.name, row, None, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        return None


def _csv_frame(path: Path, required: Iterable[str], optional: Iterable[str], log: ProblemLog) -> pd.DataFrame | None:
    """Read a CSV as strings; check the header. None if unusable."""
    text = read_text(path, log)
    if text is None:
        return None
    if not text.strip():
        log.add(path.name, None, None, "file is empty (expected a header row)")
        return None
    try:
        frame = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, csv.Error) as exc:
        m = re.search(r"line (\d+)", str(exc))
        log.add(path.name, int(m.group(1)) if m else None, None, f"not a valid CSV: {exc}")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    for column in missing:
        log.add(path.name, 1, column, f"missing column (header has: {', '.join(frame.columns)})")
    known = set(required) | set(optional)
    for column in frame.columns:
        if column not in known:
            log.add(path.name, 1, column, f"unknown column (expected: {', '.join(known_sorted(required, optional))})")
    if missing:
        return None
    return frame


def known_sorted(required: Iterable[str], optional: Iterable[str]) -> list[str]:
    return list(required) + list(optional)


def _cell_parser(log: ProblemLog, file: str) -> Callable[[int, str, str, Callable[[str], Any]], Any]:
    """Returns ``parse(row, field, text, parser)`` that logs failures and returns None."""

    def parse(row: int, field: str, text: str, parser: Callable[[str], Any]) -> Any:
        if text is None or str(text).strip() == "":
            return None
        try:
            return parser(str(text).strip())
        except (FieldError, ValueError) as exc:
            log.add(file, row, field, str(exc))
            return None

    return parse


def _bounded_number(lo: float, hi: float, integer: bool = False) -> Callable[[str], float]:
    def parse(text: str):
        try:
            value = float(text)
        except ValueError:
            raise FieldError(f"expected a number, got {text!r}") from None
        if not np.isfinite(value) or not lo <= value <= hi:
            raise FieldError(f"expected a value between {lo:g} and {hi:g}, got {text}")
        if integer:
            if value != int(value):
                raise FieldError(f"expected a whole number, got {text}")
            return int(value)
        return value

    return parse


def _day_token(text: str) -> str | dt.date:
    token = text.strip().lower()
    if token in WEEKDAYS:
        return token
    try:
        return dt.date.fromisoformat(token)
    except ValueError:
        raise FieldError(f"expected a weekday ({', '.join(WEEKDAYS)}) or a date YYYY-MM-DD, got {text!r}") from None


STAFF_NUMBERS = {
    "min_hours": _bounded_number(0, 80),
    "max_hours": _bounded_number(0, 80),
    "min_days": _bounded_number(0, 7, integer=True),
    "max_days": _bounded_number(0, 7, integer=True),
    "max_consecutive_days": _bounded_number(1, 28, integer=True),
    "cost_per_hour": _bounded_number(0, 10_000),
    "earliest_start": parse_time,
    "latest_end": parse_time,
}


def parse_staff(path: Path, branch: Branch | None, log: ProblemLog) -> tuple[Employee, ...]:
    """staff.csv -> employees; logs unknown roles, duplicates, bad contracts."""
    frame = _csv_frame(path, STAFF_REQUIRED, STAFF_OPTIONAL, log)
    if frame is None:
        return ()
    if frame.empty:
        log.add(path.name, None, None, "no staff rows")
        return ()
    file = path.name
    parse = _cell_parser(log, file)
    known_roles = branch.role_names if branch else None
    seen: dict[str, int] = {}
    staff = []
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        emp_id = rec["id"].strip()
        if not emp_id:
            log.add(file, row, "id", "empty employee id")
        elif emp_id in seen:
            log.add(file, row, "id", f"duplicate employee id {emp_id!r} (first on row {seen[emp_id]})")
        else:
            seen[emp_id] = row
        name = rec["name"].strip()
        if not name:
            log.add(file, row, "name", "empty name")
        roles = tuple(r.strip() for r in rec["roles"].split(";") if r.strip())
        if not roles:
            log.add(file, row, "roles", "employee is certified for no role (list roles separated by ';')")
        for role in roles:
            if known_roles is not None and role not in known_roles:
                log.add(file, row, "roles", f"unknown role {role!r} (known: {', '.join(known_roles)})")
        fields = {key: parse(row, key, rec.get(key, ""), parser) for key, parser in STAFF_NUMBERS.items()}
        base = branch.default_contract if branch else None
        contract = contract_from_fields(fields, base)
        if contract.min_hours_week > contract.max_hours_week:
            log.add(file, row, "min_hours", f"min_hours {contract.min_hours_week:g} exceeds max_hours {contract.max_hours_week:g}")
        if contract.min_days_week > contract.max_days_week:
            log.add(file, row, "min_days", f"min_days {contract.min_days_week} exceeds max_days {contract.max_days_week}")
        if contract.earliest_start and contract.latest_end and contract.latest_end <= contract.earliest_start:
            log.add(file, row, "latest_end", "latest_end is not after earliest_start")
        unavailable = tuple(
            d for d in (parse(row, "unavailable", tok, _day_token) for tok in rec.get("unavailable", "").split(";")) if d
        )
        staff.append(Employee(id=emp_id, name=name, roles=roles, contract=contract, unavailable=unavailable))
    return tuple(staff)


_UTC_OFFSET = r"(?:Z|[+-]\d\d:?\d\d)$"


def _parse_datetimes(frame: pd.DataFrame, column: str, file: str, log: ProblemLog, required: bool, first_row: int = 2) -> pd.Series:
    raw = frame[column].str.strip()
    zoned = raw.str.contains(_UTC_OFFSET, na=False)  # datetimes are naive local time everywhere
    for idx in np.flatnonzero(zoned.to_numpy()):
        log.add(file, int(idx) + first_row, column, f"datetime {raw.iloc[idx]!r} has a time-zone offset (expected naive local time YYYY-MM-DD HH:MM[:SS])")
    values = pd.to_datetime(raw.where(~zoned, ""), format="ISO8601", errors="coerce")
    bad = values.isna() & (raw != "") & ~zoned
    if required:
        bad |= raw == ""
    for idx in np.flatnonzero(bad.to_numpy()):
        text = raw.iloc[idx]
        what = "missing" if text == "" else f"unparsable datetime {text!r}"
        log.add(file, int(idx) + first_row, column, f"{what} (expected YYYY-MM-DD HH:MM[:SS])")
    return values.astype("datetime64[ns]")


def _check_choice(frame: pd.DataFrame, column: str, choices: Iterable[str], file: str, log: ProblemLog, first_row: int = 2) -> pd.Series:
    values = frame[column].str.strip()
    choices = tuple(choices)
    for idx in np.flatnonzero(~values.isin(choices).to_numpy()):
        log.add(file, int(idx) + first_row, column, f"unknown {column} {values.iloc[idx]!r} (known: {', '.join(choices)})")
    return values


def normalize_history(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical column order and dtypes, so loaded and generated frames compare equal."""
    out = pd.DataFrame({c: frame[c] for c in HISTORY_COLUMNS})
    for c in ("issued_at", "service_start", "service_end"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    for c in ("role", "tier", "outcome"):
        out[c] = out[c].astype(object)
    return out.sort_values("issued_at", kind="stable").reset_index(drop=True)


def normalize_appointments(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical appointments frame (may be empty)."""
    out = pd.DataFrame({c: frame[c] if c in frame else [] for c in APPOINTMENT_COLUMNS})
    out["start"] = pd.to_datetime(out["start"]).astype("datetime64[ns]")
    out["duration"] = out["duration"].astype(float)
    for c in ("role", "tier"):
        out[c] = out[c].astype(object)
    return out.sort_values("start", kind="stable").reset_index(drop=True)


def check_history_cells(frame: pd.DataFrame, file: str, branch: Branch | None, log: ProblemLog, first_row: int = 2) -> pd.DataFrame:
    """Text cells of ticket rows -> typed columns, every bad cell logged with its row.

    Shared by the CSV reader and the database reader (which passes the chunk's
    first row in the result set as ``first_row``), so both report alike.
    """
    issued = _parse_datetimes(frame, "issued_at", file, log, required=True, first_row=first_row)
    start = _parse_datetimes(frame, "service_start", file, log, required=False, first_row=first_row)
    end = _parse_datetimes(frame, "service_end", file, log, required=False, first_row=first_row)
    role = _check_choice(frame, "role", branch.role_names, file, log, first_row) if branch is not None else frame["role"].str.strip()
    tier = _check_choice(frame, "tier", TIERS, file, log, first_row)
    outcome = _check_choice(frame, "outcome", OUTCOMES, file, log, first_row)
    served = (outcome == "served").to_numpy()
    for column, values in (("service_start", start), ("service_end", end)):
        blank = (frame[column].str.strip() == "").to_numpy()
        for idx in np.flatnonzero(served & values.isna().to_numpy() & blank):
            log.add(file, int(idx) + first_row, column, "missing for a served ticket")
    for idx in np.flatnonzero((end < start).to_numpy()):
        log.add(file, int(idx) + first_row, "service_end", f"service_end {end.iloc[idx]} is before service_start {start.iloc[idx]}")
    for idx in np.flatnonzero((start < issued).to_numpy()):
        log.add(file, int(idx) + first_row, "service_start", f"service_start {start.iloc[idx]} is before issued_at {issued.iloc[idx]}")
    return pd.DataFrame({"issued_at": issued, "service_start": start, "service_end": end, "role": role, "tier": tier, "outcome": outcome})


def check_history_span(issued: pd.Series, file: str, log: ProblemLog) -> None:
    """The forecaster needs at least a week of tickets."""
    issued = issued.dropna()
    if len(issued):
        span_days = (issued.max().normalize() - issued.min().normalize()).days + 1
        if span_days < MIN_HISTORY_DAYS:
            log.add(file, None, "issued_at", f"history covers only {span_days} day(s); at least one week ({MIN_HISTORY_DAYS} days) is needed")


def parse_history(path: Path, branch: Branch | None, log: ProblemLog) -> pd.DataFrame | None:
    """history.csv -> ticket frame; checks times, order of times, roles, tiers, span."""
    file = path.name
    frame = _csv_frame(path, HISTORY_COLUMNS, (), log)
    if frame is None:
        return None
    if frame.empty:
        log.add(file, None, None, "history is empty (need at least one week of tickets)")
        return None
    out = check_history_cells(frame, file, branch, log)
    check_history_span(out["issued_at"], file, log)
    return normalize_history(out)


def parse_appointments(path: Path, branch: Branch | None, log: ProblemLog) -> pd.DataFrame:
    """appointments.csv (optional) -> frame of known demand."""
    empty = normalize_appointments(pd.DataFrame())
    if not path.exists():
        return empty
    file = path.name
    frame = _csv_frame(path, APPOINTMENT_COLUMNS, (), log)
    if frame is None:
        return empty
    start = _parse_datetimes(frame, "start", file, log, required=True)
    if branch is not None:
        _check_choice(frame, "role", branch.role_names, file, log)
    _check_choice(frame, "tier", TIERS, file, log)
    parse = _cell_parser(log, file)
    minutes = _bounded_number(1, 480)
    durations = []
    for i, text in enumerate(frame["duration"]):
        if not str(text).strip():
            log.add(file, i + 2, "duration", "missing (minutes)")
        durations.append(parse(i + 2, "duration", text, minutes))
    out = frame.copy()
    out["start"] = start
    out["duration"] = durations
    for c in ("role", "tier"):
        out[c] = out[c].str.strip()
    return normalize_appointments(out)


def parse_requests(path: Path, staff: Iterable[Employee], log: ProblemLog) -> tuple[Request, ...]:
    """requests.csv (optional) -> staff wishes (day off / on / preferred shift)."""
    if not path.exists():
        return ()
    file = path.name
    frame = _csv_frame(path, ("employee", "day", "kind"), ("weight", "shift"), log)
    if frame is None:
        return ()
    parse = _cell_parser(log, file)
    ids = {e.id for e in staff}
    out = []
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        emp = rec["employee"].strip()
        if ids and emp not in ids:
            log.add(file, row, "employee", f"unknown employee {emp!r}")
        day = parse(row, "day", rec["day"], _day_token)
        if day is None and not rec["day"].strip():
            log.add(file, row, "day", "missing (weekday or date)")
        kind = rec["kind"].strip()
        if kind not in REQUEST_KINDS:
            log.add(file, row, "kind", f"unknown kind {kind!r} (known: {', '.join(REQUEST_KINDS)})")
        weight = parse(row, "weight", rec.get("weight", ""), _bounded_number(0, 1e6))
        shift = rec.get("shift", "").strip() or None
        if kind == "prefer_shift":
            if shift is None:
                log.add(file, row, "shift", "prefer_shift needs a shift HH:MM-HH:MM")
            else:
                parse(row, "shift", shift, parse_time_range)
        out.append(Request(employee=emp, day=day, kind=kind, weight=1.0 if weight is None else weight, shift=shift))
    return tuple(out)


def load_history(folder: Path, branch: Branch | None, log: ProblemLog, override: str | None = None) -> pd.DataFrame | None:
    """The ticket history: ``history.csv``, or the branch's ``history`` (a CSV path or a database URL).

    ``override`` (``--history``) replaces the branch's setting; a database
    needs a table or query from branch.toml. A relative SQLite path
    (``sqlite:///tickets.db``) is taken relative to the instance folder, like
    every other file of the instance, not to wherever cron starts.
    """
    source = branch.history if branch is not None else None
    location = override or (source.location if source else "history.csv")
    if "://" not in location:
        path = folder / location
        if not path.is_file():
            log.add(location, None, None, f"missing file in {folder}")
            return None
        return parse_history(path, branch, log)
    if source is None or not (source.table or source.query):
        log.add("branch.toml", None, "branch.history", "a database history needs history_table or history_query in branch.toml")
        return None
    from .history_sql import read_history_sql

    if location.startswith("sqlite:///") and not location.startswith("sqlite:////") and location != "sqlite:///:memory:":
        location = "sqlite:///" + str((folder / location[len("sqlite:///"):]).resolve())
    return read_history_sql(location, source.table, source.query, branch, log)


def load_instance(path: str | Path, history: str | None = None) -> Instance:
    """Load and validate an instance folder; raises InputError listing every problem.

    ``history`` overrides where the ticket history comes from (see :func:`load_history`).
    """
    override = history
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(Problem(str(folder), None, None, "not an instance folder (expected a directory with branch.toml)"))
    log = ProblemLog()
    for name in ("branch.toml", "staff.csv"):
        if not (folder / name).is_file():
            log.add(name, None, None, f"missing file in {folder}")
    branch = None
    if (folder / "branch.toml").is_file():
        text = read_text(folder / "branch.toml", log)
        if text is not None:
            branch = parse_branch(text, log)
    staff = parse_staff(folder / "staff.csv", branch, log) if (folder / "staff.csv").is_file() else ()
    history = load_history(folder, branch, log, override)
    appointments = parse_appointments(folder / "appointments.csv", branch, log)
    requests = parse_requests(folder / "requests.csv", staff, log)
    log.raise_if_any()
    assert branch is not None and history is not None
    return Instance(branch=branch, staff=staff, history=history, appointments=appointments, requests=requests, path=str(folder))


def _fmt_time(t: dt.time | None) -> str:
    return "" if t is None else f"{t:%H:%M}"


def _fmt_number(x: float | int) -> str:
    return f"{x:g}"


def staff_frame(staff: Iterable[Employee]) -> pd.DataFrame:
    """Employees as the staff.csv table."""
    rows = []
    for e in staff:
        c = e.contract
        rows.append(
            {
                "id": e.id,
                "name": e.name,
                "roles": ";".join(e.roles),
                "min_hours": _fmt_number(c.min_hours_week),
                "max_hours": _fmt_number(c.max_hours_week),
                "min_days": c.min_days_week,
                "max_days": c.max_days_week,
                "max_consecutive_days": c.max_consecutive_days,
                "earliest_start": _fmt_time(c.earliest_start),
                "latest_end": _fmt_time(c.latest_end),
                "cost_per_hour": _fmt_number(c.cost_per_hour),
                "unavailable": ";".join(u if isinstance(u, str) else u.isoformat() for u in e.unavailable),
            }
        )
    return pd.DataFrame(rows, columns=list(STAFF_REQUIRED + STAFF_OPTIONAL))


def write_instance(instance: Instance, path: str | Path) -> Path:
    """Write an instance folder (each file atomically); :func:`load_instance` reads it back equal."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_text(folder / "branch.toml", branch_to_toml(instance.branch))
    atomic.write_csv(folder / "staff.csv", staff_frame(instance.staff))
    atomic.write_csv(folder / "history.csv", instance.history, date_format="%Y-%m-%d %H:%M:%S")
    if len(instance.appointments):
        apps = instance.appointments.copy()
        apps["duration"] = apps["duration"].map(_fmt_number)
        atomic.write_csv(folder / "appointments.csv", apps, date_format="%Y-%m-%d %H:%M:%S")
    if instance.requests:
        req = pd.DataFrame(
            [
                {
                    "employee": r.employee,
                    "day": r.day if isinstance(r.day, str) else r.day.isoformat(),
                    "kind": r.kind,
                    "weight": _fmt_number(r.weight),
                    "shift": r.shift or "",
                }
                for r in instance.requests
            ],
            columns=list(REQUEST_COLUMNS),
        )
        atomic.write_csv(folder / "requests.csv", req)
    return folder
