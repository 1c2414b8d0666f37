"""One wall-clock deadline per planning run, shared out to the stages that remain.

Why: ``--time-limit`` promises the whole run (forecast, requirements, search,
role assignment, checker, KPIs, writing), not the search alone. A 150-staff
run with a 60 s limit took 96-240 s of wall time when each stage had its own
fixed share. So the run owns one :class:`Deadline` (start + limit) and every
stage asks how much is left; the search gets the rest minus a reserve for
what must still happen after it (:func:`after_search_reserve`).

The clock is injectable so the arithmetic is tested with a fake clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

Clock = Callable[[], float]

# Seconds of wall time per employee-day for the work after the search, measured on the 2-core
# development machine under a load of about 5 (docs/benchmarks.md, "Roster at scale"): role
# assignment's CP-SAT model per day, the independent checker, KPIs and writing the output set.
# 150 staff x 7 days took about 8 s at a 60 s limit after the speed-ups of issue 29.
AFTER_SEARCH_SECONDS_PER_EMPLOYEE_DAY = 0.008
AFTER_SEARCH_FLOOR = 1.0  # even a five-staff week needs about this much (Python, pandas, files)
AFTER_SEARCH_SHARE = 0.35  # never more than this share of the limit: the search must keep most of it
ROLE_ASSIGNMENT_SHARE = 0.6  # of the after-search reserve: role assignment's CP-SAT models (the rest: checker, KPIs, writing)


@dataclass
class Deadline:
    """A moment ``limit`` seconds after creation on ``clock`` (monotonic by default)."""

    limit: float
    clock: Clock = field(default=time.monotonic, repr=False)
    start: float = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.clock()

    @property
    def end(self) -> float:
        return self.start + self.limit

    def elapsed(self) -> float:
        """Seconds since the deadline was set."""
        return self.clock() - self.start

    def remaining(self) -> float:
        """Seconds left until the deadline, never negative."""
        return max(0.0, self.end - self.clock())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def budget(self, reserve: float = 0.0, floor: float = 0.0, cap: float | None = None) -> float:
        """What a stage may spend now: the time left minus ``reserve`` for later stages, at least ``floor``, at most ``cap``."""
        seconds = max(floor, self.remaining() - reserve)
        return seconds if cap is None else min(cap, seconds)

    def before(self, reserve: float) -> Deadline:
        """A deadline ``reserve`` seconds earlier on the same clock (what a stage must leave to the ones after it)."""
        earlier = Deadline(0.0, self.clock)
        earlier.start = self.start
        earlier.limit = max(0.0, self.limit - reserve)
        return earlier


def after_search_reserve(employee_days: int, limit: float) -> float:
    """Seconds to keep for role assignment, checker, KPIs and writing after the search of ``employee_days``.

    Proportional to the roster's size (each stage walks every employee-day),
    at least :data:`AFTER_SEARCH_FLOOR`, at most :data:`AFTER_SEARCH_SHARE` of
    the limit.
    """
    wanted = AFTER_SEARCH_FLOOR + AFTER_SEARCH_SECONDS_PER_EMPLOYEE_DAY * employee_days
    return min(wanted, AFTER_SEARCH_SHARE * limit)
