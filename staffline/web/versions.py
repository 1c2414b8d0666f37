"""What differs between two versions of a branch's plan: a re-plan's changes, and two plans side by side.

Both read the plans' own output folders (changes.csv, kpis, the per-hour
tables), so the page shows exactly what the files say and nothing is
recomputed here.
"""

from __future__ import annotations

import csv
from pathlib import Path

from staffline.web.charts import hourly_series

#: The KPIs the comparison lines up; a plan lacking one shows ``None`` for it.
COMPARED = ("objective", "gap", "cost", "hours", "status")


def changes_rows(folder: Path) -> list[dict[str, str]]:
    """The rows of a re-plan's changes.csv (``employee, date, before, after, reason``), in file order."""
    with (folder / "changes.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def compare(a: tuple[dict, Path], b: tuple[dict, Path]) -> dict:
    """Two done plans (store row, output folder) side by side: headline KPIs, per-role waits and per-hour staffing.

    ``kpis`` maps each name to ``[a, b]`` so the page draws one table row per
    KPI; ``hourly`` holds each plan's per-hour series on the union of their
    hours, so the two staffing curves share one axis even when the plans'
    opening hours differ.
    """
    rows = (a[0], b[0])
    kpis = {name: [r["kpis"].get(name) for r in rows] for name in COMPARED}
    roles = sorted(set(rows[0]["kpis"].get("roles") or {}) | set(rows[1]["kpis"].get("roles") or {}))
    for role in roles:
        for key in ("expected_wait_minutes", "service_level"):
            kpis[f"{role}: {key}"] = [((r["kpis"].get("roles") or {}).get(role) or {}).get(key) for r in rows]
    series = [hourly_series(folder) for _, folder in (a, b)]
    hours = sorted(set(series[0]["hours"]) | set(series[1]["hours"]))
    hourly = [_on_hours(s, hours) for s in series]
    plans = [{k: r[k] for k in ("id", "branch", "kind", "parent", "week", "created")} for r in rows]
    return {"plans": plans, "kpis": kpis, "hours": hours, "hourly": hourly}


def _on_hours(series: dict, hours: list[str]) -> dict:
    """``series``' roles with each list re-laid on ``hours`` (``None`` where the plan has no such hour)."""
    index = {h: i for i, h in enumerate(series["hours"])}
    return {
        role: {key: [values[index[h]] if h in index else None for h in hours] for key, values in lists.items()}
        for role, lists in series["roles"].items()
    }
