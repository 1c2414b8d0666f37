"""What-if surges for the simulator: scale a role's walk-ins over a window, and narrow a run to one day.

``simulate --surge counter=1.3@10:00-12:00 --date 2026-12-02`` asks how a
roster copes when the day turns out busier than forecast. The surge scales
the forecast the simulator draws arrivals from (so, with the same seed, two
rosters still see the same customers: common random numbers); the day
filter keeps the other days' customers out of the KPIs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from staffline.errors import InputError, Problem
from staffline.model import Instance
from staffline.optimizer.roster import Demand

SURGE = re.compile(r"^\s*([\w-]+)\s*=\s*([0-9]*\.?[0-9]+)\s*@\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class Surge:
    """Walk-ins of ``role`` times ``factor`` in slots starting in [start, end) ("HH:MM")."""

    role: str
    factor: float
    start: str
    end: str


def parse_surge(text: str, roles: Sequence[str]) -> Surge:
    """``ROLE=FACTOR@HH:MM-HH:MM`` -> Surge; a bad value is bad input naming ``--surge`` and the text."""
    m = SURGE.match(text)
    bad = lambda why: InputError(Problem("--surge", None, "surge", f"{why}, got {text!r}"))  # noqa: E731
    if not m:
        raise bad("expected ROLE=FACTOR@HH:MM-HH:MM such as counter=1.3@10:00-12:00")
    role, factor, start, end = m.group(1), float(m.group(2)), m.group(3).zfill(5), m.group(4).zfill(5)
    if role not in roles:
        raise bad(f"unknown role {role!r} (known: {', '.join(roles)})")
    try:
        if dt.time.fromisoformat(end) <= dt.time.fromisoformat(start):
            raise bad("the window must end after it starts")
    except ValueError:
        raise bad("times must be HH:MM") from None
    return Surge(role, factor, start, end)


def apply_surges(demand: Demand, surges: list[Surge], day: dt.date | None = None) -> Demand:
    """The demand with each surge applied (on ``day`` only when given; every day otherwise)."""
    frame = demand.frame.copy()
    dates = pd.to_datetime(frame["date"]).dt.date
    for s in surges:
        hit = (frame["role"] == s.role) & (frame["slot_start"] >= s.start) & (frame["slot_start"] < s.end)
        if day is not None:
            hit &= dates == day
        frame.loc[hit, "mean"] = frame.loc[hit, "mean"] * s.factor
    return Demand(frame, demand.aht_minutes)


def only_day(instance: Instance, demand: Demand, roster: pd.DataFrame, day: dt.date) -> tuple[Instance, Demand, pd.DataFrame]:
    """The instance, demand and roster with nothing but ``day``'s customers, appointments and blocks."""
    apps = instance.appointments
    keep = apps[pd.to_datetime(apps["start"]).dt.date == day] if len(apps) else apps
    frame = demand.frame[pd.to_datetime(demand.frame["date"]).dt.date == day]
    return (
        dataclasses.replace(instance, appointments=keep.reset_index(drop=True)),
        Demand(frame.reset_index(drop=True), demand.aht_minutes),
        roster[roster["date"].astype(str) == day.isoformat()].reset_index(drop=True),
    )
