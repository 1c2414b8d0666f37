"""staff.csv and requests.csv: who works here, with which contract, and what they asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from staffline.branch_config import (
    contract_from_fields,
    parse_time,
    parse_time_range,
)
from staffline.errors import ProblemLog
from staffline.io.cells import bounded_number, cell_parser, csv_frame, day_token, format_number, format_time
from staffline.model import (
    REQUEST_KINDS,
    Branch,
    Employee,
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
    "min_hours_horizon",
    "max_hours_horizon",
)
HORIZON_COLUMNS = ("min_hours_horizon", "max_hours_horizon")  # written only when somebody has one


REQUEST_COLUMNS = ("employee", "day", "kind", "weight", "shift")


STAFF_NUMBERS = {
    "min_hours": bounded_number(0, 80),
    "max_hours": bounded_number(0, 80),
    "min_days": bounded_number(0, 7, integer=True),
    "max_days": bounded_number(0, 7, integer=True),
    "max_consecutive_days": bounded_number(1, 28, integer=True),
    "cost_per_hour": bounded_number(0, 10_000),
    "earliest_start": parse_time,
    "latest_end": parse_time,
    "min_hours_horizon": bounded_number(0, 8 * 80),
    "max_hours_horizon": bounded_number(0, 8 * 80),
}


def parse_staff(path: Path, branch: Branch | None, log: ProblemLog) -> tuple[Employee, ...]:
    """staff.csv -> employees; logs unknown roles, duplicates, bad contracts."""
    frame = csv_frame(path, STAFF_REQUIRED, STAFF_OPTIONAL, log)
    if frame is None:
        return ()
    if frame.empty:
        log.add(path.name, None, None, "no staff rows")
        return ()
    file = path.name
    parse = cell_parser(log, file)
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
        lo, hi = contract.min_hours_horizon, contract.max_hours_horizon
        if lo is not None and hi is not None and lo > hi:
            log.add(file, row, "min_hours_horizon", f"min_hours_horizon {lo:g} exceeds max_hours_horizon {hi:g}")
        if contract.earliest_start and contract.latest_end and contract.latest_end <= contract.earliest_start:
            log.add(file, row, "latest_end", "latest_end is not after earliest_start")
        unavailable = tuple(d for d in (parse(row, "unavailable", tok, day_token) for tok in rec.get("unavailable", "").split(";")) if d)
        staff.append(Employee(id=emp_id, name=name, roles=roles, contract=contract, unavailable=unavailable))
    return tuple(staff)


def parse_requests(path: Path, staff: Iterable[Employee], log: ProblemLog) -> tuple[Request, ...]:
    """requests.csv (optional) -> staff wishes (day off / on / preferred shift)."""
    if not path.exists():
        return ()
    file = path.name
    frame = csv_frame(path, ("employee", "day", "kind"), ("weight", "shift"), log)
    if frame is None:
        return ()
    parse = cell_parser(log, file)
    ids = {e.id for e in staff}
    out = []
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        emp = rec["employee"].strip()
        if ids and emp not in ids:
            log.add(file, row, "employee", f"unknown employee {emp!r}")
        day = parse(row, "day", rec["day"], day_token)
        if day is None and not rec["day"].strip():
            log.add(file, row, "day", "missing (weekday or date)")
        kind = rec["kind"].strip()
        if kind not in REQUEST_KINDS:
            log.add(file, row, "kind", f"unknown kind {kind!r} (known: {', '.join(REQUEST_KINDS)})")
        weight = parse(row, "weight", rec.get("weight", ""), bounded_number(0, 1e6))
        shift = rec.get("shift", "").strip() or None
        if kind == "prefer_shift":
            if shift is None:
                log.add(file, row, "shift", "prefer_shift needs a shift HH:MM-HH:MM")
            else:
                parse(row, "shift", shift, parse_time_range)
        out.append(Request(employee=emp, day=day, kind=kind, weight=1.0 if weight is None else weight, shift=shift))
    return tuple(out)


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
                "min_hours": format_number(c.min_hours_week),
                "max_hours": format_number(c.max_hours_week),
                "min_days": c.min_days_week,
                "max_days": c.max_days_week,
                "max_consecutive_days": c.max_consecutive_days,
                "earliest_start": format_time(c.earliest_start),
                "latest_end": format_time(c.latest_end),
                "cost_per_hour": format_number(c.cost_per_hour),
                "unavailable": ";".join(u if isinstance(u, str) else u.isoformat() for u in e.unavailable),
                **{k: "" if getattr(c, k) is None else format_number(getattr(c, k)) for k in HORIZON_COLUMNS},
            }
        )
    horizon = [k for k in HORIZON_COLUMNS if any(r[k] for r in rows)]
    return pd.DataFrame(rows, columns=[k for k in STAFF_REQUIRED + STAFF_OPTIONAL if k not in HORIZON_COLUMNS or k in horizon])


def requests_frame(requests: Iterable[Request]) -> pd.DataFrame:
    """Requests as requests.csv rows (the inverse of :func:`parse_requests`)."""
    return pd.DataFrame(
        [
            {
                "employee": r.employee,
                "day": r.day if isinstance(r.day, str) else r.day.isoformat(),
                "kind": r.kind,
                "weight": format_number(r.weight),
                "shift": r.shift or "",
            }
            for r in requests
        ],
        columns=list(REQUEST_COLUMNS),
    )
