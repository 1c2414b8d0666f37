"""Instance folders on disk: load with full validation, write back atomically.

An instance folder holds ``branch.toml``, ``staff.csv``, ``history.csv`` and
optionally ``appointments.csv`` and ``requests.csv`` (format in README).
:func:`load_instance` reads all of them, collects *every* problem it finds and
raises one :class:`~staffline.errors.InputError`, so a planner sees the whole
list at once. Row numbers are 1-based as a spreadsheet shows them (the header
is row 1). CSV files must be UTF-8; a byte-order mark is accepted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from staffline import atomic
from staffline.branch_config import (
    branch_to_toml,
    parse_branch,
)
from staffline.constraints.registry import check_configured_rules
from staffline.errors import InputError, Problem, ProblemLog
from staffline.io.cells import read_text
from staffline.io.history_sql import read_history_sql
from staffline.io.staff import parse_requests, parse_staff, requests_frame, staff_frame
from staffline.io.tickets import appointments_frame, parse_appointments, parse_history
from staffline.model import (
    Branch,
    Instance,
)


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
    if location.startswith("sqlite:///") and not location.startswith("sqlite:////") and location != "sqlite:///:memory:":
        location = "sqlite:///" + str((folder / location[len("sqlite:///") :]).resolve())
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
    instance = Instance(branch=branch, staff=staff, history=history, appointments=appointments, requests=requests, path=str(folder))
    check_configured_rules(instance, log)  # [[rules]] need the roles and staff, so they are checked last
    log.raise_if_any()
    return instance


def write_instance(instance: Instance, path: str | Path) -> Path:
    """Write an instance folder (each file atomically); :func:`load_instance` reads it back equal."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_text(folder / "branch.toml", branch_to_toml(instance.branch))
    atomic.write_csv(folder / "staff.csv", staff_frame(instance.staff))
    atomic.write_csv(folder / "history.csv", instance.history, date_format="%Y-%m-%d %H:%M:%S")
    if len(instance.appointments):
        atomic.write_csv(folder / "appointments.csv", appointments_frame(instance.appointments), date_format="%Y-%m-%d %H:%M:%S")
    if instance.requests:
        atomic.write_csv(folder / "requests.csv", requests_frame(instance.requests))
    return folder
