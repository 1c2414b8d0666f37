"""The queue at ``now`` and the rest of the day it leads to: what intraday steering decides on.

Why: the per-slot wait curves the roster is built on assume every slot
starts from a stationary queue. At ``now`` in a surge that is wrong: the
customers already waiting and the desks still busy delay the next arrivals,
and a role above saturation carries its queue from slot to slot. So
:func:`staffline.intraday.steer` (1) reads the backlog at ``now`` per role
(:func:`queue_at_now`): from the tickets' service times when the ticket
machine records them, else by replaying the morning's known arrivals
through the published roster (seeded replications); and (2) scores each
candidate move plan by simulating the rest of the day from that backlog
(:class:`RestOfDay`, a sample-average approximation): arrivals are drawn
from the *updated* forecast's posterior predictive (the day level's Gamma
posterior, one draw per replication and role), with common random numbers
so candidates differ by their staffing only. The clock of the rest of the
day starts at the first slot at or after ``now`` (where moves start); the
minutes between ``now`` and that slot are taken as passing without change
(the backlog's waits grow, its services run on).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffline.model import Instance, minutes_of
from staffline.optimizer.core.branch_model import DayGrid
from staffline.optimizer.roster import Demand, slot_arrivals, staff_per_slot
from staffline.simulation.carryover import Backlog, simulate_from, state_at
from staffline.simulation.roster_sim import day_specs, service_sampler

SOURCES = ("tickets", "simulated")
GONE = ("abandoned", "diverted")  # outcomes of tickets no longer in the hall


@dataclass
class QueueAtNow:
    """One role's hall at ``now``: mean waiting and in-service customers, how it was read, its replications."""

    waiting: float
    in_service: float
    source: str
    backlogs: list[Backlog] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return {"waiting": round(self.waiting, 2), "in_service": round(self.in_service, 2), "source": self.source}


def service_samplers(instance: Instance) -> dict:
    """Each role's service-time sampler (:func:`~staffline.simulation.roster_sim.service_sampler`), read once."""
    return {role.name: service_sampler(instance, role)[0] for role in instance.branch.roles}


def has_service_times(tickets: pd.DataFrame) -> bool:
    """Whether the ticket machine records service times (any ticket with a service start or end)."""
    if tickets.empty:
        return False
    return bool(pd.to_datetime(tickets["service_start"]).notna().any() or pd.to_datetime(tickets["service_end"]).notna().any())


def _residuals(sampler, elapsed: np.ndarray, rng: np.random.Generator, draws: int = 64) -> np.ndarray:
    """Service left for customers ``elapsed`` minutes into service: a draw of the service time beyond ``elapsed``.

    Rejection from the role's service distribution; when no draw outlasts
    ``elapsed`` (a service longer than nearly all), the service is taken to
    end now.
    """
    out = np.zeros(elapsed.size)
    for i, e in enumerate(elapsed):
        s = np.asarray(sampler(rng, draws), dtype=float)
        longer = s[s > e]
        out[i] = float(longer[0] - e) if longer.size else 0.0
    return out


def ticket_backlog(role_tickets: pd.DataFrame, now: dt.datetime, sampler, reps: int, seed: int) -> list[Backlog]:
    """The backlog at ``now`` from the tickets' own times: issued and not called (waiting), called and not finished (in service).

    A ticket that was abandoned or diverted has left. A ticket still in the
    hall has no outcome yet (blank) or, in an export taken later, a service
    start or end after ``now``. Services still running get a residual drawn
    per replication (seeded), the waiting tickets' waits are exact.
    """
    t = role_tickets
    issued = pd.to_datetime(t["issued_at"])
    start = pd.to_datetime(t["service_start"])
    end = pd.to_datetime(t["service_end"])
    stamp = pd.Timestamp(now)
    present = (~t["outcome"].isin(GONE)) & (issued <= stamp)
    waiting = present & (start.isna() | (start > stamp))
    busy = present & (start <= stamp) & (end.isna() | (end > stamp))
    waited = ((stamp - issued[waiting]).dt.total_seconds() / 60).to_numpy(dtype=float)
    vip = (t.loc[waiting, "tier"] == "vip").to_numpy(dtype=bool)
    elapsed = ((stamp - start[busy]).dt.total_seconds() / 60).to_numpy(dtype=float)
    return [
        Backlog(waited, vip, _residuals(sampler, elapsed, np.random.default_rng([seed, r, 2])))
        if elapsed.size
        else Backlog(waited, vip, elapsed)
        for r in range(reps)
    ]


def _shifted(b: Backlog, minutes: float) -> Backlog:
    """The backlog ``minutes`` later with nothing else happening: waits grow, services run on (finished ones leave)."""
    left = b.residual - minutes
    return Backlog(b.waited + minutes, b.vip, left[left > 0])


def queue_at_now(
    instance: Instance,
    demand: Demand,
    published: pd.DataFrame,
    week_start: dt.date,
    day: DayGrid,
    now: dt.datetime,
    origin: int,
    tickets: pd.DataFrame,
    reps: int = 20,
    seed: int = 0,
    samplers: dict | None = None,
) -> dict[str, QueueAtNow]:
    """Per role, the hall at ``now`` carried to minute-of-day ``origin`` (the first slot steered).

    Source "tickets" when the file has service times (the machine records
    them), else "simulated": the morning's tickets replayed through the
    published roster's staff for ``reps`` seeded replications
    (:func:`~staffline.simulation.carryover.state_at`). ``samplers``: the
    roles' service samplers when already read (:func:`service_samplers`).
    """
    source = "tickets" if has_service_times(tickets) else "simulated"
    samplers = samplers or service_samplers(instance)
    open_m = minutes_of(day.slots[0])
    out = {}
    for role in instance.branch.roles:
        sampler = samplers[role.name]
        mine = tickets[tickets["role"] == role.name]
        if source == "tickets":
            backlogs = ticket_backlog(mine, now, sampler, reps, seed)
        else:
            specs, _grid = day_specs(instance, demand, published, week_start, role, sampler, days=[day])
            issued = pd.to_datetime(mine["issued_at"])
            arrive = ((issued - pd.Timestamp(day.date)).dt.total_seconds() / 60 - open_m).to_numpy(dtype=float)
            at = minutes_of(now.time()) - open_m
            backlogs = state_at(specs[0], arrive, (mine["tier"] == "vip").to_numpy(dtype=bool), at, reps, seed)
        backlogs = [_shifted(b, origin - minutes_of(now.time())) for b in backlogs]
        out[role.name] = QueueAtNow(
            waiting=float(np.mean([b.waited.size for b in backlogs])) if backlogs else 0.0,
            in_service=float(np.mean([b.residual.size for b in backlogs])) if backlogs else 0.0,
            source=source,
            backlogs=backlogs,
        )
    return out


def with_backlog(demand: Demand, queue: dict[str, QueueAtNow], day: dt.date, start: str) -> Demand:
    """``demand`` with each role's waiting backlog added to its regular walk-ins of slot ``start``.

    A candidate for the move plan that a per-slot model can see: the
    backlog arrives at once, so the first slot's wait curve asks for the
    staff that clears it. The simulation (:class:`RestOfDay`) then judges
    whether it pays.
    """
    frame = demand.frame.copy()
    dates = pd.to_datetime(frame["date"]).dt.date
    for role, q in queue.items():
        hit = (dates == day) & (frame["slot_start"] == start) & (frame["role"] == role) & (frame["tier"] == "regular")
        if hit.any() and q.waiting > 0:
            frame.loc[hit[hit].index[0], "mean"] += q.waiting
    return Demand(frame, demand.aht_minutes)


class RestOfDay:
    """Simulated customer-minutes of the rest of the day per role for a roster: the sample-average score of a move plan.

    Built once per steer: per role the rest-of-day :class:`QueueSpec` (from
    slot ``first``) on the updated forecast, its rate drawn per replication
    from the level's posterior (``variance``: the rate variance per row),
    and the role's backlog. :meth:`minutes` reads a roster's staff per slot
    and simulates; a role staffed as before is not simulated again.
    """

    def __init__(
        self,
        instance: Instance,
        demand: Demand,
        variance: Demand | None,
        week_start: dt.date,
        day: DayGrid,
        first: int,
        queue: dict[str, QueueAtNow],
        reps: int = 60,
        seed: int = 0,
        samplers: dict | None = None,
    ) -> None:
        self.instance, self.day, self.first, self.queue = instance, day, first, queue
        self.reps, self.seed = reps, seed
        self.specs = {}
        samplers = samplers or service_samplers(instance)
        empty = pd.DataFrame(columns=["employee", "date", "start", "end", "role"])
        for role in instance.branch.roles:
            specs, _grid = day_specs(instance, demand, empty, week_start, role, samplers[role.name], days=[day])
            if not specs:
                continue
            spec = specs[0]
            mean = np.asarray(spec.arrival_rate, dtype=float)
            shape = None
            if variance is not None:
                var = slot_arrivals(variance, [day], role.name)[0][0]
                with np.errstate(divide="ignore", invalid="ignore"):
                    shape = np.where(var > 0, mean**2 / var, np.inf)[first:]
            cut = first * spec.slot_minutes
            appts = np.asarray(spec.appointments if spec.appointments is not None else [], dtype=float)
            durations = np.asarray(spec.appointment_minutes if spec.appointment_minutes is not None else [], dtype=float)
            later = appts >= cut
            self.specs[role.name] = dataclasses.replace(
                spec,
                arrival_rate=mean[first:],
                servers=np.zeros(mean.size - first, dtype=int),
                appointments=appts[later] - cut,
                appointment_minutes=durations[later],
                rate_shape=shape,
            )
        self._cache: dict[tuple, np.ndarray] = {}

    def minutes(self, roster: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per role, the customer-minutes of each replication (backlog included) under ``roster``'s staff from slot ``first``."""
        out = {}
        for role, spec in self.specs.items():
            servers = staff_per_slot(roster, [self.day], role, self.instance.branch.slot_minutes)[0][self.first :]
            key = (role, tuple(int(s) for s in servers))
            if key not in self._cache:
                q = self.queue.get(role)
                run = dataclasses.replace(spec, servers=servers)
                self._cache[key] = simulate_from(run, q.backlogs if q else [], self.reps, self.seed)[0]
            out[role] = self._cache[key]
        return out

    def customers(self) -> dict[str, float]:
        """Mean walk-ins per replication from slot ``first`` on, backlog included (the same for every roster)."""
        out = {}
        for role, spec in self.specs.items():
            q = self.queue.get(role)
            out[role] = float(np.sum(spec.arrival_rate)) + (q.waiting if q else 0.0)
        return out
