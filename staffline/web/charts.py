"""Per-hour series for the page's charts, from a plan's output set (the same tables the report plots).

Arrivals, required vs rostered staff and expected wait per hour of day and
role, averaged over the week's open days with the report's own ``hourly``
helper, so the page and report.html never disagree. The arrivals band sums
the slots' 80% interval ends within the hour: wider than the hour's own
interval, said so on the chart.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from staffline.report.products import hourly


def hourly_series(folder: Path) -> dict:
    """``{"hours": [...], "roles": {role: {"arrivals", "arrivals_lo80", "arrivals_hi80", "required", "rostered", "expected_wait"}}}``."""
    forecast = pd.read_csv(folder / "forecast.csv", dtype={"slot_start": str, "date": str})
    required = pd.read_csv(folder / "requirements.csv", dtype={"slot_start": str, "date": str})
    coverage = pd.read_csv(folder / "coverage.csv", dtype={"slot_start": str, "date": str})
    weighted = coverage.assign(wm=coverage["expected_wait"] * coverage["arrivals"])
    tables = {
        "arrivals": hourly(forecast, "mean", how="sum"),
        "arrivals_lo80": hourly(forecast, "lo80", how="sum"),
        "arrivals_hi80": hourly(forecast, "hi80", how="sum"),
        "required": hourly(required, "n_required"),
        "rostered": hourly(coverage, "rostered"),
        "_wm": hourly(weighted, "wm", how="sum"),
        "_arrivals": hourly(weighted, "arrivals", how="sum"),
    }
    hours = sorted(set().union(*(t.index for t in tables.values())))
    roles: dict[str, dict[str, list]] = {}
    for role in sorted(coverage["role"].unique()):
        series = {name: _column(t, role, hours) for name, t in tables.items()}
        wm, arrivals = series.pop("_wm"), series.pop("_arrivals")
        series["expected_wait"] = [round(w / a, 4) if w is not None and a else None for w, a in zip(wm, arrivals)]
        roles[role] = series
    return {"hours": hours, "roles": roles}


def _column(table: pd.DataFrame, role: str, hours: list[str]) -> list:
    if role not in table.columns:
        return [None] * len(hours)
    values = table[role].reindex(hours)
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else round(float(v), 4) for v in values]
