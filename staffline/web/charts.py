"""Per-hour series for the page's charts, from a plan's output set (the same tables the report plots).

Arrivals, required vs rostered staff, expected wait and (when the plan was
simulated) simulated wait per hour of day and role, averaged over the week's
open days with the report's own ``hourly`` helper, so the page and
report.html never disagree. Both waits are per customer: each day's hour
weighs by its arrivals. The arrivals band sums the slots' 80% interval ends
within the hour: wider than the hour's own interval, said so on the chart.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from staffline.report.products import hourly


def hourly_series(folder: Path) -> dict:
    """``{"hours": [...], "roles": {role: {"arrivals", "arrivals_lo80", "arrivals_hi80", "required", "rostered", "expected_wait",
    "simulated_wait"}}}``; ``simulated_wait`` is all ``None`` when the plan has no simulation.csv."""
    forecast = pd.read_csv(folder / "forecast.csv", dtype={"slot_start": str, "date": str})
    required = pd.read_csv(folder / "requirements.csv", dtype={"slot_start": str, "date": str})
    coverage = pd.read_csv(folder / "coverage.csv", dtype={"slot_start": str, "date": str})
    weighted = coverage.assign(wm=coverage["expected_wait"] * coverage["arrivals"])
    simulated = _simulation(folder)
    tables = {
        "arrivals": hourly(forecast, "mean", how="sum"),
        "arrivals_lo80": hourly(forecast, "lo80", how="sum"),
        "arrivals_hi80": hourly(forecast, "hi80", how="sum"),
        "required": hourly(required, "n_required"),
        "rostered": hourly(coverage, "rostered"),
        "_wm": hourly(weighted, "wm", how="sum"),
        "_arrivals": hourly(weighted, "arrivals", how="sum"),
        "_sim_wm": hourly(simulated, "wm", how="sum"),
        "_sim_arrivals": hourly(simulated, "arrivals", how="sum"),
    }
    hours = sorted(set().union(*(t.index for t in tables.values())))
    roles: dict[str, dict[str, list]] = {}
    for role in sorted(coverage["role"].unique()):
        series = {name: _column(t, role, hours) for name, t in tables.items()}
        series["expected_wait"] = _per_customer(series.pop("_wm"), series.pop("_arrivals"))
        series["simulated_wait"] = _per_customer(series.pop("_sim_wm"), series.pop("_sim_arrivals"))
        roles[role] = series
    return {"hours": hours, "roles": roles}


def _simulation(folder: Path) -> pd.DataFrame:
    """simulation.csv with customer-minutes (``wm``) per date, hour and role; no rows when the plan was not simulated."""
    path = folder / "simulation.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["date", "hour", "role", "wm", "arrivals"])
    sim = pd.read_csv(path, dtype={"date": str, "hour": str})
    return sim.assign(wm=sim["wait_per_arrival"] * sim["arrivals"])


def _per_customer(minutes: list, arrivals: list) -> list:
    return [round(w / a, 4) if w is not None and a else None for w, a in zip(minutes, arrivals)]


def _column(table: pd.DataFrame, role: str, hours: list[str]) -> list:
    if role not in table.columns:
        return [None] * len(hours)
    values = table[role].reindex(hours)
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else round(float(v), 4) for v in values]
