"""Request bodies of the API (pydantic): a malformed body is a 422 that names the field.

Unknown fields are refused (``extra="forbid"``) so a typo such as
``time_limt`` is an error rather than a silently ignored option.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NaiveDatetime

#: Simulation replications a plan runs by default: enough for the page's simulated-wait line (about half a
#: second on jiangdong), far fewer than ``make demo``'s 200 for report-grade confidence intervals.
SIMULATE_REPS = 20
SIMULATE_HELP = "discrete-event simulation replications of the roster (simulated wait per hour beside the expected; 0: none)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Absence(_Strict):
    employee: str = Field(min_length=1, max_length=100)
    date: dt.date


class WhatIf(_Strict):
    headcount: int | None = Field(default=None, ge=1, le=1000, description="cap on staff on duty per slot")
    certify: dict[str, list[str]] | None = Field(default=None, description='extra certifications, e.g. {"E05": ["lobby"]}')
    divert: dict[str, float] | None = Field(default=None, description="share of each role's walk-ins sent to self-service")
    model: Literal["auto", "naive", "profile", "poisson", "topdown", "daylevel", "ensemble"] | None = Field(
        default=None, description="forecast model (default: the branch's)"
    )


class PlanRequest(_Strict):
    week: str | None = Field(
        default=None, pattern=r"^(\d{4}-W\d{2}|\d{4}-\d{2}-\d{2})$", description="ISO week such as 2026-W49, or its Monday"
    )
    time_limit: float = Field(default=30.0, gt=0, le=3600, description="solver time limit in seconds")
    workers: int = Field(default=1, ge=1, le=16, description="solver threads")
    absences: list[Absence] = Field(default_factory=list, max_length=1000)
    what_if: WhatIf = Field(default_factory=WhatIf)
    simulate: int = Field(default=SIMULATE_REPS, ge=0, le=1000, description=SIMULATE_HELP)


class Pin(_Strict):
    """Keep this person-day exactly as the parent plan has it."""

    employee: str = Field(min_length=1, max_length=100)
    date: dt.date


class ReplanRequest(_Strict):
    """A re-plan of a done plan; the parent's what-ifs (headcount, certifications, diversion, forecast model) carry over."""

    absences: list[Absence] = Field(default_factory=list, max_length=1000)
    pins: list[Pin] = Field(default_factory=list, max_length=1000)
    frozen_until: NaiveDatetime | None = Field(
        default=None, description="re-plan from this moment (local time, e.g. 2026-12-02T12:00): person-days started before it are kept"
    )
    time_limit: float = Field(default=30.0, gt=0, le=3600)
    workers: int = Field(default=1, ge=1, le=16)
    simulate: int = Field(default=SIMULATE_REPS, ge=0, le=1000, description=SIMULATE_HELP)
