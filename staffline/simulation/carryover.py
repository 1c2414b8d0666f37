"""The queue at a moment of the day: replay known arrivals up to it, and simulate the rest of the day from it.

Why: steering the live day (``staffline intraday``) starts from a hall that
is not empty. Customers already waiting at ``now`` and desks still busy
decide how long the next arrivals wait, the more so when a role runs near
saturation; a per-slot stationary wait curve forgets them. This module adds,
next to :mod:`~staffline.simulation.queue_sim` (whose results it leaves as
they are), three things that reuse its event loop:

* :func:`day_customers` - one simulated day's customers with their issue,
  service start and end times (what a ticket machine records);
* :func:`state_at` - the queue at a moment, replaying the day's *known*
  arrivals through the rostered staff (service times and patience drawn,
  seeded): the backlog when tickets carry no service times;
* :func:`simulate_from` - the rest of a day from a given :class:`Backlog`,
  customer-minutes per replication (common random numbers: the same
  arrivals whatever the staffing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffline.simulation.queue_sim import QueueSpec, _draw, _Draws, _run_day, with_appointments


@dataclass(frozen=True)
class Backlog:
    """Who is in the hall at the start of a simulation: waiting walk-ins and customers in service.

    ``waited`` = minutes each waiting walk-in has already waited (longest
    first is served first), ``vip`` their priority, ``residual`` = minutes of
    service left for each customer at a desk.
    """

    waited: np.ndarray
    vip: np.ndarray
    residual: np.ndarray

    @staticmethod
    def empty() -> Backlog:
        return Backlog(np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0))


def _times(spec: QueueSpec, draws: _Draws) -> pd.DataFrame:
    """Each customer's arrival, service start and end (nan when they left unserved) and when they left."""
    wait, served, _busy = _run_day(spec, draws)
    start = np.where(served, draws.arrive + np.nan_to_num(wait), np.nan)
    return pd.DataFrame(
        {
            "arrive": draws.arrive,
            "start": start,
            "end": start + draws.service,
            "left": np.where(served, start + draws.service, draws.deadline),
            "walk_in": draws.walk_in,
            "vip": draws.priority & draws.walk_in,
        }
    )


def day_customers(spec: QueueSpec, seed: int = 0, rep: int = 0) -> pd.DataFrame:
    """One simulated day of ``spec``: arrive, start, end, left (minutes from opening), walk_in, vip.

    The customers are those of replication ``rep`` of ``simulate_queue(spec,
    seed=seed)``; ``start``/``end`` are nan for a walk-in who gave up.
    """
    return _times(spec, _draw(spec, np.random.default_rng([seed, rep, 0])))


def state_at(spec: QueueSpec, arrive: np.ndarray, vip: np.ndarray, at: float, reps: int = 20, seed: int = 0) -> list[Backlog]:
    """The queue at minute ``at`` after replaying the known walk-ins ``arrive`` (minutes from opening) through ``spec``'s staff.

    One :class:`Backlog` per replication: service times and patience are
    drawn from ``default_rng([seed, rep])``; the spec's appointments before
    ``at`` take their place as priority customers. What happens before
    ``at`` depends only on who arrived before it, so later arrivals are not
    needed. ``waited`` and ``residual`` are measured at ``at``.
    """
    arrive = np.asarray(arrive, dtype=float)
    vip = np.asarray(vip, dtype=bool)
    keep = arrive < at
    arrive, vip = arrive[keep], vip[keep]
    out = []
    for r in range(reps):
        rng = np.random.default_rng([seed, r])
        service = np.asarray(spec.service(rng, arrive.size), dtype=float)
        patience = (
            rng.exponential(spec.patience_minutes, arrive.size) if spec.patience_minutes is not None else np.full(arrive.size, np.inf)
        )
        slot = np.minimum((arrive // spec.slot_minutes).astype(int), len(spec.servers) - 1)
        t = _times(spec, with_appointments(spec, arrive, service, arrive + patience, vip, slot, before=at))
        started = t["start"].to_numpy()
        in_service = (started <= at) & (t["end"].to_numpy() > at)
        waiting = t["walk_in"].to_numpy() & (t["arrive"].to_numpy() <= at) & ~(started <= at) & (t["left"].to_numpy() > at)
        out.append(
            Backlog(
                waited=at - t["arrive"].to_numpy()[waiting],
                vip=t["vip"].to_numpy()[waiting],
                residual=t["end"].to_numpy()[in_service] - at,
            )
        )
    return out


def simulate_from(spec: QueueSpec, backlogs: list[Backlog], reps: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The rest of a day from a hall holding a backlog: (customer-minutes, walk-ins) per replication.

    ``spec`` starts at the moment the backlog is taken (its slot 0).
    Replication r starts from ``backlogs[r % len(backlogs)]``: customers in
    service hold a desk for their ``residual``, the waiting walk-ins queue
    ahead of every new arrival (longest-waiting first) and may still give
    up (patience is memoryless, so drawn afresh). Customer-minutes count
    the waiting from slot 0 on of everybody, backlog included (what
    clearing it costs), and of abandoners until they left. New arrivals
    come from ``default_rng([seed, r, 0])`` exactly as in
    :func:`~staffline.simulation.queue_sim.simulate_days`, the backlog's
    draws from ``default_rng([seed, r, 1])``, so two staffings compare on
    the same customers.
    """
    minutes, customers = np.zeros(reps), np.zeros(reps)
    books = backlogs or [Backlog.empty()]
    for r in range(reps):
        new = _draw(spec, np.random.default_rng([seed, r, 0]))
        b = books[r % len(books)]
        rng = np.random.default_rng([seed, r, 1])
        order = np.argsort(-np.asarray(b.waited, dtype=float), kind="stable")
        n_wait, n_busy = int(order.size), int(np.asarray(b.residual).size)
        service = np.asarray(spec.service(rng, n_wait), dtype=float)
        patience = rng.exponential(spec.patience_minutes, n_wait) if spec.patience_minutes is not None else np.full(n_wait, np.inf)
        zeros = np.zeros(n_busy + n_wait)
        draws = _Draws(
            arrive=np.concatenate([zeros, new.arrive]),
            service=np.concatenate([np.asarray(b.residual, dtype=float), service, new.service]),
            deadline=np.concatenate([np.full(n_busy, np.inf), patience, new.deadline]),
            priority=np.concatenate([np.ones(n_busy, dtype=bool), np.asarray(b.vip, dtype=bool)[order], new.priority]),
            walk_in=np.concatenate([np.zeros(n_busy, dtype=bool), np.ones(n_wait, dtype=bool), new.walk_in]),
            slot=np.concatenate([np.zeros(n_busy + n_wait, dtype=int), new.slot]),
        )
        wait, served, _busy = _run_day(spec, draws)
        walk = draws.walk_in
        waited = np.where(served, np.nan_to_num(wait), draws.deadline - draws.arrive)
        minutes[r] = float(waited[walk].sum())
        customers[r] = float(walk.sum())
    return minutes, customers
