"""Ticket history and appointments: the checks and the canonical frames.

Both the CSV files and the database reader (:mod:`staffline.io.history_sql`)
go through :func:`check_history_cells` and :func:`normalize_history`, so the
two sources report alike and return equal frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from staffline.errors import ProblemLog
from staffline.io.cells import bounded_number, cell_parser, check_choice, csv_frame, format_number, parse_datetimes
from staffline.model import (
    APPOINTMENT_COLUMNS,
    HISTORY_COLUMNS,
    OUTCOMES,
    TIERS,
    Branch,
)

MIN_HISTORY_DAYS = 7


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
    issued = parse_datetimes(frame, "issued_at", file, log, required=True, first_row=first_row)
    start = parse_datetimes(frame, "service_start", file, log, required=False, first_row=first_row)
    end = parse_datetimes(frame, "service_end", file, log, required=False, first_row=first_row)
    role = check_choice(frame, "role", branch.role_names, file, log, first_row) if branch is not None else frame["role"].str.strip()
    tier = check_choice(frame, "tier", TIERS, file, log, first_row)
    outcome = check_choice(frame, "outcome", OUTCOMES, file, log, first_row)
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
            log.add(
                file, None, "issued_at", f"history covers only {span_days} day(s); at least one week ({MIN_HISTORY_DAYS} days) is needed"
            )


def parse_history(path: Path, branch: Branch | None, log: ProblemLog) -> pd.DataFrame | None:
    """history.csv -> ticket frame; checks times, order of times, roles, tiers, span."""
    file = path.name
    frame = csv_frame(path, HISTORY_COLUMNS, (), log)
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
    frame = csv_frame(path, APPOINTMENT_COLUMNS, (), log)
    if frame is None:
        return empty
    start = parse_datetimes(frame, "start", file, log, required=True)
    if branch is not None:
        check_choice(frame, "role", branch.role_names, file, log)
    check_choice(frame, "tier", TIERS, file, log)
    parse = cell_parser(log, file)
    minutes = bounded_number(1, 480)
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


def appointments_frame(appointments: pd.DataFrame) -> pd.DataFrame:
    """Appointments as appointments.csv rows: durations written without a needless ``.0``."""
    out = appointments.copy()
    out["duration"] = out["duration"].map(format_number)
    return out
