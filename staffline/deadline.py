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

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

Clock = Callable[[], float]

# What the stages after the search need, measured on the 2-core development machine (docs/benchmarks.md,
# "Roster at scale"). Role assignment solves one CP-SAT model a day with a deterministic budget
# (role_day_seconds), at most 0.3 s per person on duty: jiangdong (11 staff) with 0.1 s a person got 1.1 s a day and
# wrote a roster 3.3% above the bound, where 3 s a day gave 1.5% (the loss is desk changes). The checker, KPIs and
# writing walk every employee-day.
ROLE_SECONDS_PER_EMPLOYEE_DAY = 0.3
TAIL_SECONDS_PER_EMPLOYEE_DAY = 0.004
AFTER_SEARCH_FLOOR = 1.0  # even a five-staff week needs about this much (Python, pandas, files)
AFTER_SEARCH_SHARE = 0.35  # never more than this share of the limit: the search must keep most of it
# Role assignment's reserve at most this share of the limit. A four-week jiangdong plan (28 days, 120 s, 2 threads)
# reserved 40 s and left each week alone about 15 s of CBC, which found no roster for 3 of 4 weeks (roster gap
# 7.8% / 10.0%); capped (24 s) the weeks got 18 s, 2 of 4 had CBC rosters (6.0% / 6.3%), and role assignment,
# polished person by person, lost no more (0.80-0.94% of the objective, against 0.75-0.95%). One-week plans with
# two threads reserve 10-16% and keep their time.
ROLE_SHARE = 0.2
# A day with more people on duty than role assignment gives CP-SAT (assign_roles.CP_SAT_MOST_PEOPLE) is polished
# (2.2 s for a 60-staff week on one thread, 46-54 people a day: about 0.005 s per employee-day) and then kicked
# (role_polish.kick_and_polish) until its share of the time ends: 30 kicks a day took 12 s on that week, 0.03 s per
# employee-day, and gained 62 of the 13,578 as written; with two threads this reserves 6.3 s there.
ROLE_POLISH_SECONDS_PER_EMPLOYEE_DAY = 0.03


def role_day_seconds(limit: float) -> float:
    """Deterministic seconds for one day's role assignment: a share of the limit that grows with it (0.5-3 s)."""
    return min(3.0, max(0.5, 0.04 * limit))


ROLE_DAY_MOST_SECONDS = 15.0  # the most deterministic time one day's role assignment takes from a search that ended early


def role_day_budget(base: float, wall_share: float | None) -> float:
    """One day's deterministic role-assignment budget: ``base``, or its share of the wall time left when that is more (at most 15 s).

    Why: role assignment is where the roster as written loses against the
    bound (desk changes, class counts no person can follow). On jiangdong,
    one worker, 90 s, all else equal: 1.48% above the bound with 3 s a day,
    0.70% with 15 s. A search that proves its optimum early leaves that time
    unused, so the days take it. ``wall_share`` is None for repeatable
    (one-worker) runs, whose budget may not depend on measured time.
    """
    if wall_share is None:
        return base
    return max(base, min(wall_share, ROLE_DAY_MOST_SECONDS))


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


def after_search_reserve(staff: int, days: int, limit: float, threads: int = 1) -> tuple[float, float]:
    """Seconds to keep after the search: (role assignment, then checker + KPIs + writing) for ``staff`` x ``days``.

    Role assignment gets :func:`role_assignment_seconds` with a CP-SAT model
    every day (the most it may need: the roster does not exist yet); the
    rest grows with employee-days from :data:`AFTER_SEARCH_FLOOR`. Both
    shrink together so that they never take more than
    :data:`AFTER_SEARCH_SHARE` of the limit. ``threads`` days are assigned at once.
    """
    roles = role_assignment_seconds(staff, days, 0, limit, threads)
    tail = AFTER_SEARCH_FLOOR + TAIL_SECONDS_PER_EMPLOYEE_DAY * staff * days
    scale = min(1.0, AFTER_SEARCH_SHARE * limit / (roles + tail))
    return roles * scale, tail * scale


def role_assignment_seconds(staff: int, solved_days: int, polished_days: int, limit: float, threads: int = 1) -> float:
    """Seconds role assignment needs for ``solved_days`` with a CP-SAT day model and ``polished_days`` polished alone, at most :data:`ROLE_SHARE` of the limit.

    A solved day gets :func:`role_day_seconds` or about
    :data:`ROLE_SECONDS_PER_EMPLOYEE_DAY` per person, whichever is less, a
    polished one :data:`ROLE_POLISH_SECONDS_PER_EMPLOYEE_DAY` per person;
    ``threads`` days are assigned at once.
    """
    threads = max(1, threads)
    solved = -(-solved_days // threads) * min(role_day_seconds(limit), ROLE_SECONDS_PER_EMPLOYEE_DAY * staff)
    polished = polished_days * staff * ROLE_POLISH_SECONDS_PER_EMPLOYEE_DAY / threads
    return min(solved + polished, ROLE_SHARE * limit)


class SharedWall:
    """Wall-clock shares for ``tasks`` jobs run ``threads`` at a time before ``deadline``: a job ending early leaves its time to the rest.

    Why: role assignment solves one CP-SAT model per day, two days at once.
    An equal share fixed up front left time unused whenever a day proved its
    assignment early (jiangdong, four weeks at 120 s, idle: role assignment
    ended 15 s before the limit while other days had stopped on their
    share). Here a job's share is set when it starts: the thread-seconds
    left (``remaining x threads``) divided among the jobs not yet started
    and the others still running. With equal jobs this is the equal share;
    a job that ended early raises the shares of the ones after it. Never
    more than the time left, never less than ``floor``.
    """

    def __init__(self, deadline: Deadline, threads: int, tasks: int, floor: float = 0.0):
        self.deadline = deadline
        self.threads = max(1, threads)
        self.pending = tasks
        self.running = 0
        self.floor = floor
        self._lock = threading.Lock()

    def start(self, floor: float | None = None) -> float:
        """The wall seconds of the job starting now, at least ``floor`` (default: the one given at creation); call :meth:`done` when it ends."""
        with self._lock:
            left = self.deadline.remaining()
            share = left * self.threads / max(1, self.pending + self.running)
            self.pending = max(0, self.pending - 1)
            self.running += 1
        return max(self.floor if floor is None else floor, min(share, left))

    def done(self) -> None:
        with self._lock:
            self.running = max(0, self.running - 1)
