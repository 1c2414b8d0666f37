"""Domain types of a service branch: what every pipeline stage agrees on.

Everything here is a frozen dataclass so a loaded instance cannot be changed
behind a solver's back; derived facts (the slot grid of a day, who holds which
certificate) are methods, not stored state, so they can never go stale.

Times of day are ``datetime.time`` (naive local wall clock); after loading,
the rest of the engine counts in slots of ``Branch.slot_minutes``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

import pandas as pd

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROLE_KINDS = ("counter", "lobby", "advisory", "other")
TIERS = ("regular", "vip")
OUTCOMES = ("served", "abandoned", "diverted")
REQUEST_KINDS = ("off", "on", "prefer_shift")
ROLE_CHANGE_WEIGHT = 2.0  # value of one desk change (branch.toml [objective] role_change_weight; chosen on jiangdong, CHANGELOG)
ROLE_CHANGES = "role changes"  # that soft rule's name in penalties, wherever it is scored
INTRADAY_DECISIONS = ("simulated", "posterior", "mean")  # how intraday steering picks its plan (staffline.intraday.steer's decide_on)


class RoleKind(str, Enum):
    """What a role does on the floor; decides which queueing model fits it."""

    COUNTER = "counter"
    LOBBY = "lobby"
    ADVISORY = "advisory"
    OTHER = "other"


def minutes_of(t: dt.time) -> int:
    """Minutes since midnight: the integer clock every grid computation uses."""
    return t.hour * 60 + t.minute


def time_of(minutes: int) -> dt.time:
    """Inverse of :func:`minutes_of` (minutes must lie within one day)."""
    return dt.time(minutes // 60, minutes % 60)


@dataclass(frozen=True)
class Role:
    """A service role staff can be certified for.

    Service times are lognormal with mean ``aht_minutes`` and coefficient of
    variation ``service_cv`` (bank transaction times are right-skewed).  The
    target says "``service_level`` of customers start service within
    ``wait_target_minutes``"; ``patience_minutes`` (mean, exponential) enables
    abandonment modelling.  ``min_on_duty`` staff must be on the role whenever
    the branch is open (e.g. one lobby greeter).
    """

    name: str
    kind: RoleKind
    aht_minutes: float
    service_cv: float = 0.8
    wait_target_minutes: float = 5.0
    service_level: float = 0.8
    patience_minutes: float | None = None
    min_on_duty: int = 0
    vip_wait_target_minutes: float | None = None
    vip_service_level: float | None = None


@dataclass(frozen=True)
class OpeningHours:
    """Opening and closing time of one weekday; ``None`` means closed."""

    open: dt.time | None
    close: dt.time | None

    @property
    def is_open(self) -> bool:
        return self.open is not None and self.close is not None


@dataclass(frozen=True)
class ShiftRules:
    """Labour rules that shape single shifts and the gaps between them."""

    min_shift_hours: float = 4.0
    max_shift_hours: float = 8.0
    start_step_minutes: int = 30
    lunch_minutes: int = 60
    lunch_after_hours: float = 6.0
    lunch_window: tuple[dt.time, dt.time] = (dt.time(11, 0), dt.time(14, 0))
    min_role_block_minutes: int = 60
    min_rest_hours: float = 11.0


@dataclass(frozen=True)
class HeadcountLimits:
    """Hard caps that reflect shrinking branch headcount (seed: 220 -> 185 staff)."""

    max_on_duty: int | None = None
    max_staff_per_day: int | None = None


@dataclass(frozen=True)
class ForecastSettings:
    """Which forecast the roster is built for (``[forecast]`` in branch.toml).

    ``auto`` (the default) picks, on the last ``folds`` rolling weeks of the
    branch's own history, the model that forecast them best: a roster is only
    as good as the arrivals it was built for, and no one model wins on every
    branch (measured in benchmarks/results/forecast_real.md).
    """

    model: str = "auto"
    folds: int = 8


@dataclass(frozen=True)
class ObjectiveWeights:
    """How the optimizer trades customer waiting against labour cost.

    ``wait_per_customer_minute`` is the value of one customer-minute of waiting in
    the same currency as ``Employee.cost_per_hour`` times ``cost_weight``.
    ``wait_method`` is how a slot's expected wait is approximated when arrivals
    change through the day: ``lagged`` (pointwise stationary with a lag) is the
    default because it was closest to the discrete-event simulator on the demo
    branch (benchmarks/wait_methods.py); ``stationary`` and ``mol`` remain.
    ``role_change_weight`` is the soft rule ``role changes``: the value of one
    desk change (a person's role differing from their previous worked slot
    of the day, across lunch too), because staff and customers dislike desks
    that change hands every hour; 0 switches it off.
    ``demand`` is which arrival rate the wait cost and the requirements use:
    ``mean`` plugs in the forecast mean; ``expected`` takes the expectation
    over the forecast's gamma rate distribution (read from its calibrated
    intervals), because the wait is convex in the rate and the plug-in
    understates it. ``mean`` stays the default: ``expected`` did not win in
    the simulator (docs/benchmarks.md, "Staffing for forecast uncertainty").
    """

    wait_per_customer_minute: float = 1.0
    cost_weight: float = 0.1
    vip_wait_multiplier: float = 3.0
    wait_method: str = "lagged"
    role_change_weight: float = ROLE_CHANGE_WEIGHT
    demand: str = "mean"


@dataclass(frozen=True)
class FairnessWeights:
    """Weights of the horizon's fairness rules (``[fairness]`` in branch.toml).

    Each is the value, in objective units (one unit = one customer-minute of
    waiting), of one unit of spread (most minus least, over the people the
    rule applies to) of: Saturdays worked, weekend days worked, late shifts
    (ending at closing time) and hours worked above the contract minimum.
    They apply to plans of two or more weeks, or continuing from a
    ``--previous`` roster: in one week alone somebody must work the Saturday
    and somebody else not, and only a longer view can take turns. 0 switches
    one off.
    """

    saturdays: float = 100.0
    weekend_days: float = 0.0
    late_shifts: float = 10.0
    hours_above_minimum: float = 2.0


@dataclass(frozen=True)
class ReplanWeights:
    """What a change to a published roster costs when re-planning (``[replan]`` in branch.toml).

    A published roster is a promise to the staff, so ``replan`` adds to the
    usual objective ``shift_change_weight`` per person-day whose shift
    differs from the published one (a new shift, a moved one, or a day
    dropped) and ``role_slot_weight`` per slot in which a person kept on
    the same shift works another role. Both are in objective value units
    (one unit = one customer-minute of waiting); the defaults make a moved
    shift worth more than the wait most single moves would save.
    ``overtime_premium`` multiplies ``cost_per_hour`` for the overtime
    ``intraday --allow-extend`` adds: an hour asked for on the day is paid
    more than a rostered one, so it should also cost more in the objective.
    """

    shift_change_weight: float = 40.0
    role_slot_weight: float = 1.0
    overtime_premium: float = 1.5


@dataclass(frozen=True)
class Contract:
    """Per-employee contract limits (defaults come from ``branch.toml [contract]``)."""

    min_hours_week: float = 0.0
    max_hours_week: float = 40.0
    min_days_week: int = 0
    max_days_week: int = 5
    max_consecutive_days: int = 6
    earliest_start: dt.time | None = None
    latest_end: dt.time | None = None
    cost_per_hour: float = 0.0
    min_hours_horizon: float | None = None  # over the whole planned horizon (e.g. a 4-week month); None: no limit
    max_hours_horizon: float | None = None
    week_relief: tuple[tuple[float, int], ...] = ()  # (hours, days) off the weekly minimums in each week of the plan: absences

    def min_hours_in(self, week: int) -> float:
        """Minimum hours in week ``week`` of the plan (0: the first): the weekly minimum less that week's relief."""
        off = self.week_relief[week][0] if week < len(self.week_relief) else 0.0
        return max(0.0, self.min_hours_week - off)

    def min_days_in(self, week: int) -> int:
        """Minimum days worked in week ``week`` of the plan, less that week's relief."""
        off = self.week_relief[week][1] if week < len(self.week_relief) else 0
        return max(0, self.min_days_week - off)


@dataclass(frozen=True)
class Employee:
    """A staff member and the roles they hold certificates for.

    ``unavailable`` holds weekday names (``"sat"``) and/or dates on which the
    person cannot work at all (hard rule).
    """

    id: str
    name: str
    roles: tuple[str, ...]
    contract: Contract = field(default_factory=Contract)
    unavailable: tuple[str | dt.date, ...] = ()

    def is_unavailable(self, day: dt.date) -> bool:
        weekday = WEEKDAYS[day.weekday()]
        return any(u == day or u == weekday for u in self.unavailable)


@dataclass(frozen=True)
class Request:
    """A staff wish: a day off, a day on, or a preferred shift ("09:00-13:00")."""

    employee: str
    day: str | dt.date
    kind: str
    weight: float = 1.0
    shift: str | None = None

    def applies_to(self, day: dt.date) -> bool:
        return self.day == day or self.day == WEEKDAYS[day.weekday()]


@dataclass(frozen=True)
class HistorySource:
    """Where the ticket history lives when it is not ``history.csv``.

    ``location`` is a CSV path (relative to the instance folder) or a
    SQLAlchemy URL such as ``sqlite:///tickets.db``; a database names either a
    ``table`` or a ``query`` returning the history columns.
    """

    location: str
    table: str | None = None
    query: str | None = None

    @property
    def is_database(self) -> bool:
        return "://" in self.location


@dataclass(frozen=True)
class Branch:
    """A branch: opening hours per weekday, its slot grid, roles and rules.

    ``rules`` keeps the raw ``[[rules]]`` tables of branch.toml; the constraint
    library turns them into rule objects, so adding a rule type never changes
    the file loader.
    """

    name: str
    slot_minutes: int
    hours: Mapping[str, OpeningHours]
    roles: tuple[Role, ...]
    shift_rules: ShiftRules = field(default_factory=ShiftRules)
    headcount: HeadcountLimits = field(default_factory=HeadcountLimits)
    objective: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    forecast: ForecastSettings = field(default_factory=ForecastSettings)
    replan: ReplanWeights = field(default_factory=ReplanWeights)
    fairness: FairnessWeights = field(default_factory=FairnessWeights)
    default_contract: Contract = field(default_factory=Contract)
    holidays: tuple[dt.date, ...] = ()
    holiday_country: str | None = None
    divert_to_lobby: float = 0.3
    divert: Mapping[str, float] = field(default_factory=dict)  # role -> share of walk-ins sent to self-service
    history: "HistorySource | None" = None  # None: history.csv in the instance folder
    rules: tuple[Mapping[str, Any], ...] = ()

    def role(self, name: str) -> Role:
        for role in self.roles:
            if role.name == name:
                return role
        raise KeyError(name)

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles)

    def is_holiday(self, day: dt.date) -> bool:
        """Closed for a public holiday, from the explicit list or the country calendar."""
        if day in self.holidays:
            return True
        if self.holiday_country:
            return day in _country_holidays(self.holiday_country, day.year)
        return False

    def opening(self, day: dt.date) -> OpeningHours:
        """Opening hours on a date; holidays are closed."""
        if self.is_holiday(day):
            return OpeningHours(None, None)
        return self.hours[WEEKDAYS[day.weekday()]]

    def slots(self, day: dt.date) -> list[dt.time]:
        """Start times of the open slots of a day (empty when closed)."""
        hours = self.opening(day)
        if not hours.is_open:
            return []
        start, end = minutes_of(hours.open), minutes_of(hours.close)
        return [time_of(m) for m in range(start, end, self.slot_minutes)]


_HOLIDAY_CACHE: dict[tuple[str, int], Any] = {}


def _country_holidays(country: str, year: int):
    """Public holidays from the ``holidays`` package, cached per country and year."""
    key = (country, year)
    if key not in _HOLIDAY_CACHE:
        import holidays

        _HOLIDAY_CACHE[key] = holidays.country_holidays(country, years=year)
    return _HOLIDAY_CACHE[key]


HISTORY_COLUMNS = ("issued_at", "service_start", "service_end", "role", "tier", "outcome")
APPOINTMENT_COLUMNS = ("start", "role", "duration", "tier")


@dataclass(frozen=True, eq=False)
class Instance:
    """Everything one planning run needs: a branch, its staff and its history.

    ``history`` is a DataFrame with :data:`HISTORY_COLUMNS` (datetimes naive
    local; service times NaT for abandoned/diverted tickets) and
    ``appointments`` one with :data:`APPOINTMENT_COLUMNS` (may be empty).
    Equality compares frames by value, so a written-and-reloaded instance is
    equal to the original.
    """

    branch: Branch
    staff: tuple[Employee, ...]
    history: pd.DataFrame
    appointments: pd.DataFrame
    requests: tuple[Request, ...] = ()
    path: str | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instance):
            return NotImplemented
        return (
            self.branch == other.branch
            and self.staff == other.staff
            and self.requests == other.requests
            and _frames_equal(self.history, other.history)
            and _frames_equal(self.appointments, other.appointments)
        )

    __hash__ = None  # type: ignore[assignment]

    def employee(self, employee_id: str) -> Employee:
        for e in self.staff:
            if e.id == employee_id:
                return e
        raise KeyError(employee_id)

    def certified(self, role: str) -> list[Employee]:
        return [e for e in self.staff if role in e.roles]


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    return a.reset_index(drop=True).equals(b.reset_index(drop=True))
