"""Seeded synthetic branches: the demo branch and test/benchmark branches of any size.

Why synthetic: real ticket logs of a bank branch are private, but every stage
needs realistic input. The generator reproduces the facts in SEED_FACTS.md:

* **Intraday shape** - a base rate plus two Gaussian peaks centred on 10:30
  and 15:30 (width 40 min), so the busiest hours are 10:00-11:00 and
  15:00-16:00; jiangdong's counter peak is about 42 tickets/hour on an average
  weekday (the seed says "more than 35 per hour").
* **Weekday effects** - Monday x1.15, Tuesday 1.0, Wednesday/Thursday 0.95,
  Friday x1.10, Saturday x0.70 on shorter hours, Sunday closed.
* **Month-end surge** - the last three calendar days of a month x1.25
  (salary and bill payments).
* **Public holidays closed** - from the ``holidays`` package (country CN).
* **Tiers** - 10% of walk-ins are VIP.
* **Service times** - lognormal per role with the role's mean and coefficient
  of variation.
* **Waiting and abandonment** - each role is a FIFO multi-server queue with a
  fixed number of servers per day (enough for the peak at ~85% occupancy);
  a customer whose wait would exceed their exponential patience abandons
  (outcome ``abandoned``, no service times); 2% of counter customers are
  ``diverted`` to self-service machines at the door.
* **Appointments** - advisory bookings (30-60 min, 30% VIP) during the history
  and the week after it, so the planning week has known demand.

Arrivals are a non-homogeneous Poisson process: a Poisson count per slot from
the slot's rate, times uniform inside the slot. Everything is drawn from one
``numpy.random.Generator(seed)``, so the same seed gives the same branch.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from dataclasses import replace

import numpy as np
import pandas as pd

from staffline.io import normalize_appointments, normalize_history
from staffline.model import (
    Branch,
    Contract,
    Employee,
    HeadcountLimits,
    Instance,
    ObjectiveWeights,
    OpeningHours,
    Request,
    Role,
    RoleKind,
    ShiftRules,
    minutes_of,
)

PEAK_CENTRES_H = (10.5, 15.5)
PEAK_WIDTH_H = 40 / 60
WEEKDAY_FACTOR = (1.15, 1.0, 0.95, 0.95, 1.10, 0.70, 0.0)
MONTH_END_DAYS, MONTH_END_FACTOR = 3, 1.25
VIP_SHARE, DIVERTED_SHARE = 0.10, 0.02
JIANGDONG_HISTORY_END = dt.date(2026, 11, 29)  # a Sunday: the plan week 2026-W49 follows

# Role catalogue: (name, kind, aht, cv, wait target, SL, patience, min on duty,
# walk-in peak rate per hour for an 11-staff branch, share of that rate off-peak)
ROLE_CATALOGUE = (
    ("counter", RoleKind.COUNTER, 4.5, 0.7, 5.0, 0.8, 20.0, 0, 42.0),
    ("lobby", RoleKind.LOBBY, 2.0, 0.6, 3.0, 0.8, 15.0, 1, 18.0),
    ("advisory", RoleKind.ADVISORY, 25.0, 0.5, 10.0, 0.8, 40.0, 0, 2.5),
    ("cash", RoleKind.OTHER, 3.0, 0.6, 5.0, 0.8, 20.0, 0, 12.0),
    ("loans", RoleKind.ADVISORY, 30.0, 0.5, 15.0, 0.8, 45.0, 0, 1.2),
    ("business", RoleKind.OTHER, 8.0, 0.6, 8.0, 0.8, 25.0, 0, 4.0),
)
BASE_SHARE = 0.35  # off-peak rate relative to the peak rate

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞")


def _roles(n_roles: int) -> tuple[Role, ...]:
    if not 1 <= n_roles <= len(ROLE_CATALOGUE):
        raise ValueError(f"n_roles must be 1..{len(ROLE_CATALOGUE)}")
    roles = []
    for name, kind, aht, cv, target, sl, patience, min_on, _ in ROLE_CATALOGUE[:n_roles]:
        vip = (2.0, 0.9) if kind is RoleKind.ADVISORY else (None, None)
        roles.append(
            Role(
                name=name,
                kind=kind,
                aht_minutes=aht,
                service_cv=cv,
                wait_target_minutes=target,
                service_level=sl,
                patience_minutes=patience,
                min_on_duty=min_on,
                vip_wait_target_minutes=vip[0],
                vip_service_level=vip[1],
            )
        )
    return tuple(roles)


def _branch(name: str, roles: tuple[Role, ...], n_staff: int) -> Branch:
    weekday = OpeningHours(dt.time(9), dt.time(17))
    hours = {d: weekday for d in ("mon", "tue", "wed", "thu", "fri")}
    hours["sat"] = OpeningHours(dt.time(9, 30), dt.time(16))
    hours["sun"] = OpeningHours(None, None)
    return Branch(
        name=name,
        slot_minutes=15,
        hours=hours,
        roles=roles,
        shift_rules=ShiftRules(
            min_shift_hours=4.0,
            max_shift_hours=8.5,
            start_step_minutes=30,
            lunch_minutes=60,
            lunch_after_hours=6.0,
            lunch_window=(dt.time(11, 30), dt.time(13, 30)),
            min_role_block_minutes=60,
            min_rest_hours=11.0,
        ),
        headcount=HeadcountLimits(max_on_duty=max(2, math.ceil(n_staff * 9 / 11)), max_staff_per_day=max(2, math.ceil(n_staff * 10 / 11))),
        objective=ObjectiveWeights(wait_per_customer_minute=1.0, cost_weight=0.1, vip_wait_multiplier=3.0),
        default_contract=Contract(
            min_hours_week=24.0, max_hours_week=40.0, min_days_week=3, max_days_week=5, max_consecutive_days=5, cost_per_hour=60.0
        ),
        holiday_country="CN",
        divert_to_lobby=0.3,
    )


def _name(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        name = rng.choice(list(SURNAMES)) + "".join(rng.choice(GIVEN, size=int(rng.integers(1, 3))))
        if name not in used:
            used.add(name)
            return name


def _staff(rng: np.random.Generator, n_staff: int, roles: tuple[Role, ...], contract: Contract) -> tuple[Employee, ...]:
    """Multi-certified staff: a primary role weighted by workload plus extra certificates.

    Every role ends up with at least ``min(n_staff, 3)`` certified people so a
    greeter rule or a peak can be covered on every open day.
    """
    names = [r.name for r in roles]
    load = np.array([spec[8] * spec[2] for spec in ROLE_CATALOGUE[: len(roles)]])
    weights = load / load.sum()
    certs: list[list[str]] = []
    for _ in range(n_staff):
        primary = names[int(rng.choice(len(names), p=weights))]
        held = [primary]
        extra = int(rng.choice([0, 1, 2], p=[0.15, 0.55, 0.30]))
        for other in rng.permutation(names):
            if len(held) > extra:
                break
            if other not in held:
                held.append(str(other))
        certs.append(held)
    need = min(n_staff, 3)
    for r in names:
        i = 0
        while sum(r in c for c in certs) < need:
            if r not in certs[i]:
                certs[i].append(r)
            i += 1
    used: set[str] = set()
    staff = []
    for i, held in enumerate(certs):
        cost = float(rng.choice([55, 60, 65, 70, 80, 90]))
        staff.append(
            Employee(
                id=f"E{i + 1:02d}" if n_staff < 100 else f"E{i + 1:03d}",
                name=_name(rng, used),
                roles=tuple(held),
                contract=replace(contract, cost_per_hour=cost),
            )
        )
    return tuple(staff)


def intraday_shape(hours: np.ndarray) -> np.ndarray:
    """Relative arrival rate at clock time ``hours`` (peak = 1, off-peak ~ BASE_SHARE)."""
    peaks = sum(np.exp(-0.5 * ((hours - c) / PEAK_WIDTH_H) ** 2) for c in PEAK_CENTRES_H)
    return BASE_SHARE + (1 - BASE_SHARE) * np.minimum(peaks, 1.0)


def day_factor(day: dt.date) -> float:
    """Weekday effect times the month-end surge."""
    factor = WEEKDAY_FACTOR[day.weekday()]
    next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if (next_month - day).days <= MONTH_END_DAYS:
        factor *= MONTH_END_FACTOR
    return factor


def _lognormal(rng: np.random.Generator, mean: float, cv: float, size: int) -> np.ndarray:
    sigma2 = math.log(1 + cv * cv)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), size)


def _serve_fifo(arrivals: np.ndarray, service: np.ndarray, patience: np.ndarray, servers: int) -> np.ndarray:
    """Start times (NaN = abandoned) of a FIFO queue with ``servers`` servers, in minutes."""
    free = [0.0] * servers
    start = np.full(len(arrivals), np.nan)
    for i, t in enumerate(arrivals):
        begin = max(t, free[0])
        if begin - t > patience[i]:
            continue
        heapq.heapreplace(free, begin + service[i])
        start[i] = begin
    return start


def _history(rng: np.random.Generator, branch: Branch, first: dt.date, last: dt.date, scale: float) -> pd.DataFrame:
    specs = {spec[0]: spec for spec in ROLE_CATALOGUE}
    slot = branch.slot_minutes
    frames = []
    day = first
    while day <= last:
        slots = branch.slots(day)
        if slots:
            open_min = minutes_of(slots[0])
            starts = np.array([minutes_of(s) for s in slots], dtype=float)
            shape = intraday_shape((starts + slot / 2) / 60)
            midnight = pd.Timestamp(day)
            for role in branch.roles:
                peak_rate = specs[role.name][8] * scale * day_factor(day)  # per hour
                counts = rng.poisson(peak_rate * shape * slot / 60)
                n = int(counts.sum())
                if n == 0:
                    continue
                arrive = np.sort(np.repeat(starts, counts) + rng.uniform(0, slot, n))
                service = _lognormal(rng, role.aht_minutes, role.service_cv, n)
                patience = rng.exponential(role.patience_minutes or 1e9, n)
                peak_load = peak_rate * role.aht_minutes / 60
                servers = max(1, math.ceil(peak_load / 0.85))
                begin = _serve_fifo(arrive - open_min, service, patience, servers) + open_min
                outcome = np.where(np.isnan(begin), "abandoned", "served").astype(object)
                if role.kind is RoleKind.COUNTER:
                    diverted = rng.random(n) < DIVERTED_SHARE
                    outcome[diverted] = "diverted"
                    begin[diverted] = np.nan
                end = begin + service
                tier = np.where(rng.random(n) < VIP_SHARE, "vip", "regular").astype(object)
                frames.append(
                    pd.DataFrame(
                        {
                            "issued_at": midnight + pd.to_timedelta(np.floor(arrive * 60), unit="s"),
                            "service_start": midnight + pd.to_timedelta(np.ceil(begin * 60), unit="s"),
                            "service_end": midnight + pd.to_timedelta(np.ceil(end * 60) + 1, unit="s"),
                            "role": role.name,
                            "tier": tier,
                            "outcome": outcome,
                        }
                    )
                )
        day += dt.timedelta(days=1)
    return normalize_history(pd.concat(frames, ignore_index=True))


def _appointments(rng: np.random.Generator, branch: Branch, first: dt.date, last: dt.date, scale: float) -> pd.DataFrame:
    advisory = [r.name for r in branch.roles if r.kind is RoleKind.ADVISORY]
    if not advisory:
        return normalize_appointments(pd.DataFrame())
    rows = []
    day = first
    while day <= last:
        slots = branch.slots(day)
        if slots:
            n = rng.poisson(4 * scale * WEEKDAY_FACTOR[day.weekday()])
            half_hours = [s for s in slots if s.minute in (0, 30)][:-2]
            for _ in range(n):
                t = half_hours[int(rng.integers(len(half_hours)))]
                rows.append(
                    {
                        "start": dt.datetime.combine(day, t),
                        "role": advisory[int(rng.integers(len(advisory)))],
                        "duration": float(rng.choice([30, 45, 60])),
                        "tier": "vip" if rng.random() < 0.3 else "regular",
                    }
                )
        day += dt.timedelta(days=1)
    return normalize_appointments(pd.DataFrame(rows))


def generate_instance(
    n_staff: int = 11,
    n_roles: int = 3,
    weeks: int = 26,
    seed: int = 0,
    name: str | None = None,
    history_end: dt.date = JIANGDONG_HISTORY_END,
    staff: tuple[Employee, ...] | None = None,
) -> Instance:
    """A complete valid branch with ``weeks`` of ticket history ending ``history_end``.

    Demand scales with ``n_staff`` (rates are defined for 11 staff), so a
    200-staff branch is as staffable as the demo branch.
    """
    if n_staff < 1 or weeks < 1:
        raise ValueError("n_staff and weeks must be positive")
    rng = np.random.default_rng(seed)
    roles = _roles(n_roles)
    branch = _branch(name or f"Synthetic {n_staff} staff", roles, n_staff)
    scale = n_staff / 11
    first = history_end - dt.timedelta(days=7 * weeks - 1)
    people = staff if staff is not None else _staff(rng, n_staff, roles, branch.default_contract)
    history = _history(rng, branch, first, history_end, scale)
    appointments = _appointments(rng, branch, first, history_end + dt.timedelta(days=7), scale)
    plan_monday = history_end + dt.timedelta(days=1 + (7 - history_end.weekday() - 1) % 7)
    requests = (
        Request(employee=people[0].id, day=plan_monday + dt.timedelta(days=4), kind="off", weight=5.0),
        Request(employee=people[-1].id, day="mon", kind="prefer_shift", weight=2.0, shift="09:00-13:00"),
    )
    return Instance(branch=branch, staff=people, history=history, appointments=appointments, requests=requests)


# The demo branch: 8 counter / 1 lobby / 2 advisory before the transformation,
# multi-certified after it (seed 002). Primary role first.
JIANGDONG_STAFF = (
    ("E01", "王芳", ("counter", "lobby")),
    ("E02", "李娜", ("counter", "lobby", "advisory")),
    ("E03", "张伟", ("counter", "advisory")),
    ("E04", "刘洋", ("counter", "lobby")),
    ("E05", "陈静", ("counter",)),
    ("E06", "杨磊", ("counter", "lobby", "advisory")),
    ("E07", "黄敏", ("counter", "lobby")),
    ("E08", "赵杰", ("counter", "advisory")),
    ("E09", "吴娟", ("lobby", "counter")),
    ("E10", "周明", ("advisory", "counter", "lobby")),
    ("E11", "徐涛", ("advisory", "counter")),
)
JIANGDONG_COST = (60, 65, 70, 60, 55, 70, 60, 65, 55, 90, 85)


def jiangdong(seed: int = 0, weeks: int = 26) -> Instance:
    """The demo branch from the seed facts (a joint-stock bank's branch in Ningbo)."""
    roles = _roles(3)
    contract = _branch("x", roles, 11).default_contract
    staff = tuple(
        Employee(id=i, name=n, roles=r, contract=replace(contract, cost_per_hour=float(c)))
        for (i, n, r), c in zip(JIANGDONG_STAFF, JIANGDONG_COST)
    )
    return generate_instance(11, 3, weeks=weeks, seed=seed, name="Jiangdong sub-branch", staff=staff)
