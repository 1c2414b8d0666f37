"""Discrete-event simulation of one role's queue over one branch day.

Why simulate when Erlang formulas exist: the roster is optimised on per-slot
steady-state formulas, but real queues carry over from one slot into the next,
peak customers are still waiting when staff go to lunch, and the hall is served
out after closing. The simulator replays the day with all of that, so a roster
is verified by something it was not optimised on.

Model: piecewise-constant Poisson walk-ins per slot, optional appointments at
fixed times (priority, never abandon), VIP walk-ins ahead of regulars
(non-preemptive), FCFS within a class, exponential patience, servers that
change per slot (a server leaving finishes the customer in hand first), and no
walk-ins after closing while the queue is still served with the last slot's
staff. Every random draw of a replication comes from ``default_rng([seed, rep])``
and is made before the event loop, so two staffings see the same customers
(common random numbers): differences between rosters are not sampling noise.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

Sampler = Callable[[np.random.Generator, int], np.ndarray]
Z95 = 1.959964


def exponential_service(mean_minutes: float) -> Sampler:
    return lambda rng, n: rng.exponential(mean_minutes, n)


def lognormal_service(mean_minutes: float, cv: float) -> Sampler:
    """Lognormal with the given mean and coefficient of variation (bank service times are right-skewed)."""
    sigma2 = np.log1p(cv * cv)
    mu = np.log(mean_minutes) - sigma2 / 2
    return lambda rng, n: rng.lognormal(mu, np.sqrt(sigma2), n)


def empirical_service(samples_minutes) -> Sampler:
    """Resample observed service times with replacement."""
    samples = np.asarray(samples_minutes, dtype=float)
    if samples.size == 0:
        raise ValueError("empirical_service needs at least one observed service time")
    return lambda rng, n: rng.choice(samples, n, replace=True)


@dataclass(frozen=True)
class QueueSpec:
    """One role's day: rates and staff per slot, service, patience, priorities."""

    slot_minutes: int
    arrival_rate: np.ndarray  # expected walk-ins per slot, shape (S,)
    servers: np.ndarray  # staff on this role per slot, shape (S,)
    service: Sampler
    patience_minutes: float | None = None
    vip_share: float = 0.0
    appointments: np.ndarray | None = None  # start times, minutes from opening
    appointment_minutes: np.ndarray | None = None  # their known durations
    wait_target_minutes: float = 5.0
    rate_shape: np.ndarray | None = None  # gamma shape per slot: the rate is drawn, not known (None: known)


@dataclass
class SimResult:
    """Per-replication KPIs (shape (reps,)) and per-slot values (shape (reps, S)).

    ``mean_wait`` and ``p90_wait`` are over served walk-ins; ``wait_per_arrival``
    counts an abandoner's time in the queue too (Little's law: Erlang A's mean wait); ``p_wait`` and
    ``service_level`` (served within target) are shares of all walk-ins, so an
    abandonment counts against the service level.
    """

    mean_wait: np.ndarray
    wait_per_arrival: np.ndarray  # customer-minutes per walk-in, abandoners included (what the optimizer minimises)
    p90_wait: np.ndarray
    p_wait: np.ndarray
    service_level: np.ndarray
    abandon_share: np.ndarray
    utilisation: np.ndarray
    vip_mean_wait: np.ndarray
    arrivals: np.ndarray
    per_slot_wait: np.ndarray  # customer-minutes waited by walk-ins arriving in the slot
    per_slot_arrivals: np.ndarray
    per_slot_abandoned: np.ndarray
    kpis: tuple[str, ...] = field(
        default=("mean_wait", "wait_per_arrival", "p90_wait", "p_wait", "service_level", "abandon_share", "utilisation")
    )

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean and 95% confidence interval across replications for each KPI."""
        return {k: confidence_interval(getattr(self, k)) for k in self.kpis}


def confidence_interval(values: np.ndarray) -> dict[str, float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"mean": float("nan"), "lo95": float("nan"), "hi95": float("nan")}
    mean = float(v.mean())
    half = Z95 * float(v.std(ddof=1)) / np.sqrt(v.size) if v.size > 1 else 0.0
    return {"mean": mean, "lo95": float(mean - half), "hi95": float(mean + half)}


@dataclass
class _Draws:
    """One replication's customers, drawn before the event loop (common random numbers)."""

    arrive: np.ndarray
    service: np.ndarray
    deadline: np.ndarray  # arrival + patience (inf for appointments / no abandonment)
    priority: np.ndarray  # True = VIP or appointment
    walk_in: np.ndarray
    slot: np.ndarray


def drawn_rates(mean: np.ndarray, shape: np.ndarray, z: float) -> np.ndarray:
    """Each slot's gamma(mean, shape) rate at the standard normal score ``z`` (Wilson-Hilferty quantile).

    Why one score for the whole day: forecast errors move a day's level
    together (the day level alone is off by 5-7% on the bank series), so a
    day drawn high is high in every slot; each slot still has the marginal
    gamma rate the forecast's calibrated intervals imply.
    """
    k = np.where(np.isfinite(shape) & (shape > 0), shape, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(np.isfinite(k), 1.0 / (9.0 * k), 0.0)
    factor = np.maximum(1.0 - c + z * np.sqrt(c), 0.0) ** 3
    return mean * factor


def _draw(spec: QueueSpec, rng: np.random.Generator) -> _Draws:
    length = spec.slot_minutes
    rates = np.asarray(spec.arrival_rate, dtype=float)
    if spec.rate_shape is not None:
        rates = drawn_rates(rates, np.asarray(spec.rate_shape, dtype=float), float(rng.standard_normal()))
    counts = rng.poisson(np.maximum(rates, 0.0))
    slot = np.repeat(np.arange(rates.size), counts)
    arrive = (slot + rng.random(slot.size)) * length
    service = np.asarray(spec.service(rng, slot.size), dtype=float)
    if spec.patience_minutes is None:
        deadline = np.full(slot.size, np.inf)
    else:
        deadline = arrive + rng.exponential(spec.patience_minutes, slot.size)
    vip = rng.random(slot.size) < spec.vip_share
    return with_appointments(spec, arrive, service, deadline, vip, slot)


def with_appointments(
    spec: QueueSpec,
    arrive: np.ndarray,
    service: np.ndarray,
    deadline: np.ndarray,
    vip: np.ndarray,
    slot: np.ndarray,
    before: float = np.inf,
) -> _Draws:
    """Walk-ins (``arrive`` ... ``slot``) joined by the spec's appointments that start before ``before``, in arrival order.

    Appointments are priority customers who never give up; the event loop
    takes everybody in arrival order (stable: walk-ins first on a tie).
    One place for the day's draws (:func:`_draw`) and for a morning replayed
    from known tickets (:func:`~staffline.simulation.carryover.state_at`).
    """
    walk_in = np.ones(arrive.size, dtype=bool)
    if spec.appointments is not None and len(spec.appointments):
        appt = np.asarray(spec.appointments, dtype=float)
        early = appt < before
        appt = appt[early]
        arrive = np.concatenate([arrive, appt])
        service = np.concatenate([service, np.asarray(spec.appointment_minutes, dtype=float)[early]])
        deadline = np.concatenate([deadline, np.full(appt.size, np.inf)])
        vip = np.concatenate([vip, np.ones(appt.size, dtype=bool)])
        walk_in = np.concatenate([walk_in, np.zeros(appt.size, dtype=bool)])
        last = np.asarray(spec.arrival_rate).size - 1
        slot = np.concatenate([slot, np.minimum((appt // spec.slot_minutes).astype(int), last)])
    order = np.argsort(arrive, kind="stable")
    return _Draws(arrive[order], service[order], deadline[order], vip[order], walk_in[order], slot[order])


def _run_day(spec: QueueSpec, d: _Draws) -> tuple[np.ndarray, np.ndarray, float]:
    """Event loop. Returns per-customer wait (nan = abandoned), served flag, busy server-minutes while open."""
    length = spec.slot_minutes
    servers = np.asarray(spec.servers, dtype=int)
    n_slots = servers.size
    close = n_slots * length
    after_close = int(servers[servers > 0][-1]) if (servers > 0).any() else 1
    wait = np.full(d.arrive.size, np.nan)
    served = np.zeros(d.arrive.size, dtype=bool)
    queues = (deque(), deque())  # (priority, regular) customer indices
    finishing: list[float] = []
    busy, capacity, busy_minutes, now = 0, int(servers[0]) if n_slots else after_close, 0.0, 0.0
    boundary, nxt = 1, 0
    arrive, deadline = d.arrive, d.deadline

    def start_services(t: float) -> None:
        nonlocal busy
        while busy < capacity:
            for q in queues:
                while q and deadline[q[0]] < t:  # left before a server was free
                    q.popleft()
                if q:
                    i = q.popleft()
                    wait[i] = t - arrive[i]
                    served[i] = True
                    heapq.heappush(finishing, t + d.service[i])
                    busy += 1
                    break
            else:
                return

    while True:
        t_arr = arrive[nxt] if nxt < arrive.size else np.inf
        t_dep = finishing[0] if finishing else np.inf
        t_bnd = boundary * length if boundary <= n_slots else np.inf
        t = min(t_arr, t_dep, t_bnd)
        if t == np.inf:
            break
        if now < close:
            busy_minutes += busy * (min(t, close) - now)
        now = t
        if t == t_bnd:
            capacity = int(servers[boundary]) if boundary < n_slots else after_close
            boundary += 1
        elif t == t_dep:
            heapq.heappop(finishing)
            busy -= 1
        else:
            queues[0 if d.priority[nxt] else 1].append(nxt)
            nxt += 1
        start_services(t)
    for q in queues:  # nobody left waiting: remaining queue members had abandoned
        q.clear()
    return wait, served, busy_minutes


def simulate_queue(spec: QueueSpec, reps: int = 200, seed: int = 0) -> SimResult:
    """``reps`` independent days; KPIs per replication, see :class:`SimResult`."""
    return simulate_days([spec], reps, seed)


def simulate_days(specs: list[QueueSpec], reps: int = 200, seed: int = 0) -> SimResult:
    """A sequence of days of one role (e.g. a week); each replication runs every day.

    KPIs pool the customers of all days, so a quiet Sunday does not count as
    much as a busy Monday; per-slot arrays are the days' slots end to end.
    Day k of replication r draws from ``default_rng([seed, r, k])``.
    """
    for spec in specs:
        if len(spec.arrival_rate) != len(spec.servers):
            raise ValueError("arrival_rate and servers need one value per slot")
    offsets = np.cumsum([0] + [len(spec.servers) for spec in specs])
    n_slots = int(offsets[-1])
    rostered = sum(float(np.sum(spec.servers)) * spec.slot_minutes for spec in specs)
    cols = {
        k: np.zeros(reps)
        for k in SimResult.__dataclass_fields__
        if k not in ("kpis", "per_slot_wait", "per_slot_arrivals", "per_slot_abandoned")
    }
    per_wait, per_arr, per_ab = (np.zeros((reps, n_slots)) for _ in range(3))
    for r in range(reps):
        waits, vips, waited_all, abandoned_all, busy_total = [], [], [], [], 0.0
        for k, spec in enumerate(specs):
            draws = _draw(spec, np.random.default_rng([seed, r, k]))
            wait, served, busy_minutes = _run_day(spec, draws)
            busy_total += busy_minutes
            walk = draws.walk_in
            ok, abandoned = served & walk, walk & ~served
            # customer-minutes by arrival slot; an abandoner waited until their deadline
            waited = np.where(ok, np.nan_to_num(wait), 0.0) + np.where(abandoned, draws.deadline - draws.arrive, 0.0)
            lo, hi = offsets[k], offsets[k + 1]
            per_wait[r, lo:hi] = np.bincount(draws.slot[walk], weights=waited[walk], minlength=hi - lo)
            per_arr[r, lo:hi] = np.bincount(draws.slot[walk], minlength=hi - lo)
            per_ab[r, lo:hi] = np.bincount(draws.slot[abandoned], minlength=hi - lo)
            waits.append(wait[ok])
            vips.append(wait[ok & draws.priority])
            abandoned_all.append(int(abandoned.sum()))
            waited_all.append(float(waited[walk].sum()))
        w = np.concatenate(waits)
        n = int(per_arr[r].sum())
        dropped = sum(abandoned_all)
        vip = np.concatenate(vips)
        cols["arrivals"][r] = n
        cols["mean_wait"][r] = w.mean() if w.size else 0.0
        cols["wait_per_arrival"][r] = sum(waited_all) / n if n else 0.0
        cols["p90_wait"][r] = np.quantile(w, 0.9) if w.size else 0.0
        cols["p_wait"][r] = (np.count_nonzero(w > 1e-9) + dropped) / n if n else 0.0
        cols["service_level"][r] = np.count_nonzero(w <= specs[0].wait_target_minutes) / n if n else 1.0
        cols["abandon_share"][r] = dropped / n if n else 0.0
        cols["utilisation"][r] = busy_total / rostered if rostered else 0.0
        cols["vip_mean_wait"][r] = vip.mean() if vip.size else np.nan
    return SimResult(per_slot_wait=per_wait, per_slot_arrivals=per_arr, per_slot_abandoned=per_ab, **cols)
