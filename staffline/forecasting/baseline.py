"""Weekday x slot profile forecast: the demand the roster needs, from ticket history.

A deliberately simple, robust estimator: for each weekday, slot, role and tier,
the exponentially decayed mean of the counts of the last ``weeks`` open days of
that weekday (half-life ``half_life_weeks``), so recent weeks count more. Closed
days (holidays) are skipped, not counted as zeros. Abandoned and diverted
tickets count as arrivals: they were demand. Intervals come from a Poisson
variance (normal approximation), so they say nothing about over-dispersion.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..model import Instance

Z80, Z95 = 1.2816, 1.9600


def slot_counts(instance: Instance, since: pd.Timestamp | None = None) -> pd.DataFrame:
    """Ticket counts per open day, slot, role and tier (zero-filled over open slots)."""
    branch = instance.branch
    h = instance.history
    if since is not None:
        h = h[h["issued_at"] >= since]
    slot = h["issued_at"].dt.floor(f"{branch.slot_minutes}min")
    counts = (
        h.assign(date=slot.dt.date, slot_start=slot.dt.strftime("%H:%M"))
        .groupby(["date", "slot_start", "role", "tier"])
        .size()
        .rename("count")
    )
    first, last = h["issued_at"].min().date(), h["issued_at"].max().date()
    index = []
    day = first
    while day <= last:
        for t in branch.slots(day):
            for role in branch.role_names:
                for tier in ("regular", "vip"):
                    index.append((day, f"{t:%H:%M}", role, tier))
        day += dt.timedelta(days=1)
    full = pd.MultiIndex.from_tuples(index, names=["date", "slot_start", "role", "tier"])
    return counts.reindex(full, fill_value=0).reset_index()


def profile_forecast(instance: Instance, week_start: dt.date, weeks: int = 8, half_life_weeks: float = 4.0) -> pd.DataFrame:
    """Forecast frame ``date, slot_start, role, tier, mean, lo80, hi80, lo95, hi95`` for the week."""
    since = pd.Timestamp(week_start) - pd.Timedelta(weeks=weeks + 1)
    counts = slot_counts(instance, since)
    counts["weekday"] = pd.to_datetime(counts["date"]).dt.day_of_week
    age_weeks = (pd.Timestamp(week_start) - pd.to_datetime(counts["date"])).dt.days / 7
    counts["w"] = 0.5 ** (age_weeks / half_life_weeks)
    counts["wc"] = counts["w"] * counts["count"]
    prof = counts.groupby(["weekday", "slot_start", "role", "tier"])[["wc", "w"]].sum()
    prof["mean"] = prof["wc"] / prof["w"]
    prof = prof["mean"].reset_index()
    frames = []
    for k in range(7):
        day = week_start + dt.timedelta(days=k)
        open_slots = {f"{t:%H:%M}" for t in instance.branch.slots(day)}
        rows = prof[(prof["weekday"] == day.weekday()) & prof["slot_start"].isin(open_slots)]
        frames.append(rows.assign(date=day))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["date", "slot_start", "role", "tier", "mean"])
    sd = np.sqrt(out["mean"].to_numpy())
    for name, z in (("80", Z80), ("95", Z95)):
        out[f"lo{name}"] = np.maximum(out["mean"] - z * sd, 0.0)
        out[f"hi{name}"] = out["mean"] + z * sd
    return out[["date", "slot_start", "role", "tier", "mean", "lo80", "hi80", "lo95", "hi95"]]


def service_minutes(instance: Instance) -> dict[str, float]:
    """Mean served duration per role from history (the role's configured AHT as fallback)."""
    h = instance.history
    served = h[(h["outcome"] == "served") & h["service_start"].notna() & h["service_end"].notna()]
    minutes = (served["service_end"] - served["service_start"]).dt.total_seconds() / 60
    measured = minutes.groupby(served["role"]).mean()
    return {r.name: float(measured.get(r.name, r.aht_minutes)) for r in instance.branch.roles}
