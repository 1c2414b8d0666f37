"""Reading a run's output folder back: what the report and the comparison view show.

The report works from the products a run wrote (roster.csv, coverage.csv,
kpis.json, ...), not from the solver's memory, so any roster folder - last
night's cron run, a colleague's what-if - can be reported or compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from staffline.errors import InputError, Problem

REQUIRED = ("roster.csv", "kpis.json")


@dataclass
class RunProducts:
    folder: Path
    roster: pd.DataFrame
    kpis: dict
    coverage: pd.DataFrame | None
    requirements: pd.DataFrame | None
    forecast: pd.DataFrame | None
    simulation: pd.DataFrame | None

    @property
    def label(self) -> str:
        return self.folder.name or str(self.folder)


def _csv(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / name
    if not path.exists():
        return None
    try:
        return pd.read_csv(path, dtype={"date": str, "slot_start": str, "hour": str, "start": str, "end": str, "employee": str})
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(Problem(str(path), None, None, f"not a readable CSV ({exc})")) from None


def read_products(folder: str | Path) -> RunProducts:
    """Load a roster output folder; missing roster.csv/kpis.json is bad input naming the file."""
    folder = Path(folder)
    missing = [
        Problem(str(folder / name), None, None, "missing: run `staffline roster ... --out` first")
        for name in REQUIRED
        if not (folder / name).exists()
    ]
    if missing:
        raise InputError(missing)
    try:
        kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(Problem(str(folder / "kpis.json"), exc.lineno, None, f"invalid JSON: {exc.msg}")) from None
    return RunProducts(
        folder,
        _csv(folder, "roster.csv"),
        kpis,
        _csv(folder, "coverage.csv"),
        _csv(folder, "requirements.csv"),
        _csv(folder, "forecast.csv"),
        _csv(folder, "simulation.csv"),
    )


def hourly(frame: pd.DataFrame, value: str, how: str = "mean") -> pd.DataFrame:
    """Hour of day x role table of ``value`` averaged (or summed) over the slots of each hour and the week's days."""
    hours = frame["slot_start"].str[:2] + ":00" if "slot_start" in frame else frame["hour"]
    per_day = frame.assign(hour=hours).groupby(["date", "hour", "role"])[value].agg(how).reset_index()
    return per_day.pivot_table(index="hour", columns="role", values=value, aggfunc="mean").sort_index()
