"""The Curtois-Qu benchmark as data: what :func:`staffline.curtois.reader.read_curtois` returns.

Kept apart from the reader so the referee and the CP-SAT model depend on the
data only, not on how the text format is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shift:
    id: str
    minutes: int
    forbidden_next: frozenset[str]


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int
    days_off: frozenset[int]


@dataclass(frozen=True)
class ShiftRequest:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    required: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class CurtoisInstance:
    name: str
    horizon: int
    shifts: dict[str, Shift]
    staff: list[Staff]
    shift_on_requests: list[ShiftRequest]
    shift_off_requests: list[ShiftRequest]
    cover: list[Cover]
