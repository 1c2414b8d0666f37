"""Roster exports planners and staff open directly: an Excel workbook and one calendar per employee."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from staffline import atomic


def write_xlsx(roster: pd.DataFrame, kpis: dict, target: str | Path) -> Path:
    """roster.xlsx: a Summary sheet (hours and shifts per employee, KPIs) and one sheet per day."""
    minutes = (pd.to_timedelta(roster["end"] + ":00") - pd.to_timedelta(roster["start"] + ":00")).dt.total_seconds() / 60
    per_person = roster.assign(hours=minutes / 60).groupby("employee").agg(hours=("hours", "sum"), days=("date", "nunique")).reset_index()
    facts = pd.DataFrame([(k, v) for k, v in kpis.items() if isinstance(v, (int, float, str))], columns=["kpi", "value"])
    with atomic.atomic_path(target) as buffer:
        with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
            per_person.to_excel(xl, sheet_name="Summary", index=False)
            facts.to_excel(xl, sheet_name="Summary", index=False, startcol=per_person.shape[1] + 1)
            for date, day in roster.groupby("date", sort=True):
                day.sort_values(["employee", "start"]).to_excel(xl, sheet_name=str(date), index=False)
    return Path(target)


def write_calendars(roster: pd.DataFrame, folder: str | Path, branch: str = "branch") -> list[Path]:
    """One ``<employee>.ics`` per employee, an event per role block (naive local times, as everywhere)."""
    from icalendar import Calendar, Event

    written = []
    for employee, blocks in roster.groupby("employee", sort=True):
        cal = Calendar()
        cal.add("prodid", "-//staffline//roster//EN")
        cal.add("version", "2.0")
        for row in blocks.itertuples():
            event = Event()
            day = dt.date.fromisoformat(row.date)
            event.add("uid", f"{employee}-{row.date}-{row.start}@staffline")
            event.add("summary", f"{row.role} ({branch})")
            event.add("dtstart", dt.datetime.combine(day, dt.time.fromisoformat(row.start)))
            event.add("dtend", dt.datetime.combine(day, dt.time.fromisoformat(row.end)))
            event.add("dtstamp", dt.datetime(2000, 1, 1))  # fixed: identical inputs give identical files
            cal.add_component(event)
        path = Path(folder) / f"{employee}.ics"
        atomic.write_text(path, cal.to_ical().decode())
        written.append(path)
    return written
