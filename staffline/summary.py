"""The instance summary `staffline validate` prints: who, which roles, what history.

Busiest hours are counted over Monday-Friday tickets only, so a shorter,
quieter Saturday cannot blur the weekday peaks a planner staffs for.
"""

from __future__ import annotations

from typing import Any

from staffline.model import Instance


def instance_summary(instance: Instance) -> dict[str, Any]:
    """Machine-readable summary (the `validate --json` contract)."""
    history = instance.history
    issued = history["issued_at"]
    weekday = history[issued.dt.day_of_week < 5]
    by_hour = weekday.groupby(weekday["issued_at"].dt.hour).size().sort_values(ascending=False, kind="stable")
    days = issued.dt.normalize().nunique()
    return {
        "branch": instance.branch.name,
        "staff": len(instance.staff),
        "roles": {r: len(instance.certified(r)) for r in instance.branch.role_names},
        "history": {
            "first": issued.min().isoformat(sep=" "),
            "last": issued.max().isoformat(sep=" "),
            "tickets": int(len(history)),
            "days_open": int(days),
            "by_role": {str(k): int(v) for k, v in history["role"].value_counts().sort_index().items()},
            "abandoned_share": round(float((history["outcome"] == "abandoned").mean()), 4),
        },
        "busiest_hours": [int(h) for h in by_hour.index],
        "tickets_per_weekday_hour": {
            int(h): round(float(n) / max(weekday["issued_at"].dt.normalize().nunique(), 1), 1) for h, n in by_hour.items()
        },
        "appointments": int(len(instance.appointments)),
        "requests": len(instance.requests),
    }


def render_summary(summary: dict[str, Any]) -> str:
    """Plain-text rendering for a terminal."""
    h = summary["history"]
    lines = [
        f"branch {summary['branch']}: {summary['staff']} staff",
        "certified staff per role: " + ", ".join(f"{r} {n}" for r, n in summary["roles"].items()),
        f"history: {h['tickets']} tickets from {h['first']} to {h['last']} ({h['days_open']} open days, "
        f"{h['abandoned_share']:.1%} abandoned)",
        "tickets per role: " + ", ".join(f"{r} {n}" for r, n in h["by_role"].items()),
        "busiest hours (Mon-Fri): "
        + ", ".join(
            f"{hr:02d}:00-{hr + 1:02d}:00 ({summary['tickets_per_weekday_hour'][hr]:.1f}/day)" for hr in summary["busiest_hours"][:4]
        ),
        f"appointments: {summary['appointments']}, staff requests: {summary['requests']}",
    ]
    return "\n".join(lines)
