"""Erlang A (M/M/n+M): Poisson arrivals, exponential service and patience.

Why: bank customers leave when the hall is full, so Erlang C (infinitely
patient customers) overstates waits at the peaks and has no answer at all when
staff are fewer than the offered load. Erlang A is always stable.

Method (Garnett, Mandelbaum & Reiman 2002 give the same stationary law in
closed form): the number in system is a birth-death chain with birth rate
``lambda`` and death rate ``min(k, n) mu + max(k - n, 0) theta``. We compute
its stationary distribution in log space, truncated where the tail mass is
negligible, vectorised over every element. Then, by PASTA and Little's law:

* ``p_wait``    = P(an arrival finds all n servers busy) = P(K >= n)
* ``p_abandon`` = theta E[queue] / lambda
* ``mean_wait`` = E[queue] / lambda: mean time in queue over *all* arrivals
  (abandoning customers count the time until they left)
* ``service_level(t)`` = share of *all* arrivals that start service within t
  (abandoned customers count as not served in time). A tagged arrival finding
  ``i`` customers ahead moves up at rate ``n mu + i theta`` and leaves at its
  own rate ``theta``; that pure-death chain is solved by uniformisation.
As patience grows to infinity all four converge to Erlang C.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TAIL_STD = 12.0
NEGLIGIBLE = 1e-16  # probability below which a queue position is left out of the service-level chain


@dataclass(frozen=True)
class ErlangA:
    """Erlang A measures for broadcast arrays of parameters."""

    arrival_rate: np.ndarray
    aht: np.ndarray
    patience: np.ndarray
    n: np.ndarray
    p_wait: np.ndarray
    p_abandon: np.ndarray
    mean_wait: np.ndarray
    _queue_dist: np.ndarray  # [element, i]: P(arrival finds i customers waiting ahead)

    def service_level(self, target) -> np.ndarray:
        """Share of all arrivals that start service within ``target`` (unit of ``aht``)."""
        lam = self.arrival_rate.ravel()
        mu = 1.0 / self.aht.ravel()
        theta = 1.0 / self.patience.ravel()
        n = self.n.ravel().astype(float)
        tau = np.broadcast_to(np.asarray(target, dtype=float), self.n.shape).ravel()
        dist = self._queue_dist
        # The tagged customer only moves towards the counter, so queue positions no arrival
        # starts from never matter; dropping them also lowers the uniformisation rate
        # (far fewer steps: the widest queue of a grid sets it for every element).
        used = np.flatnonzero(dist.max(axis=0, initial=0.0) > NEGLIGIBLE)
        dist = dist[:, : (used[-1] + 1 if len(used) else 1)]
        m = dist.shape[1]
        i = np.arange(m)[None, :]
        advance = n[:, None] * mu[:, None] + i * theta[:, None]
        leave_own = theta[:, None]
        rate_max = advance[:, -1:] + leave_own
        rate_max = np.maximum(rate_max, 1e-300)
        lt = rate_max[:, 0] * tau
        steps = int(np.ceil(np.max(lt + TAIL_STD * np.sqrt(lt) + 20))) if len(lt) else 0
        steps = min(steps, 100_000)
        p_move = advance / rate_max
        p_leave = leave_own / rate_max
        v = dist.copy()
        served = np.zeros(len(lam))
        served_by = np.zeros(len(lam))
        log_pois = -lt  # log Poisson(0; lt)
        for j in range(steps + 1):
            served_by += np.exp(log_pois) * served
            moving = v * p_move
            served = served + moving[:, 0]
            v = v * (1 - p_move - p_leave)
            v[:, :-1] += moving[:, 1:]
            log_pois = log_pois + np.log(np.maximum(lt, 1e-300)) - np.log(j + 1)
        no_wait = 1.0 - self.p_wait.ravel()
        sl = np.where(lam == 0, 1.0, no_wait + served_by)
        sl = np.clip(np.where(tau <= 0, no_wait, sl), 0.0, 1.0)
        return sl.reshape(self.n.shape) if self.n.ndim else float(sl[0])


def erlang_a(arrival_rate, aht, patience, n) -> ErlangA:
    """Erlang A measures; ``aht`` and ``patience`` are means in the unit of 1/arrival_rate."""
    lam, s, pat, k = np.broadcast_arrays(
        np.asarray(arrival_rate, dtype=float), np.asarray(aht, dtype=float), np.asarray(patience, dtype=float), np.asarray(n)
    )
    if np.any(lam < 0) or np.any(s <= 0) or np.any(pat <= 0) or np.any(k < 0):
        raise ValueError("rates, times and servers must be positive")
    shape = k.shape
    lam1, mu1, th1, n1 = lam.ravel(), 1.0 / s.ravel(), 1.0 / pat.ravel(), k.ravel().astype(np.int64)
    # Queue lengths beyond n: mode where death rate = lambda, plus a generous tail.
    mode = np.maximum((lam1 - n1 * mu1) / th1, 0.0)
    extra = int(np.ceil(np.max(mode + TAIL_STD * np.sqrt(mode + lam1 / th1) + 30, initial=30)))
    extra = min(extra, 200_000)
    top = int(n1.max(initial=0)) + extra
    states = np.arange(1, top + 1)[None, :]
    death = np.minimum(states, n1[:, None]) * mu1[:, None] + np.maximum(states - n1[:, None], 0) * th1[:, None]
    with np.errstate(divide="ignore"):
        log_ratio = np.log(lam1)[:, None] - np.log(death)
    logp = np.concatenate([np.zeros((len(lam1), 1)), np.cumsum(log_ratio, axis=1)], axis=1)
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    p /= p.sum(axis=1, keepdims=True)
    idx = np.arange(top + 1)[None, :]
    waiting = np.maximum(idx - n1[:, None], 0)
    p_wait = np.where(lam1 == 0, 0.0, (p * (idx >= n1[:, None])).sum(axis=1))
    queue = (p * waiting).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_ab = np.where(lam1 > 0, th1 * queue / lam1, 0.0)
        wait = np.where(lam1 > 0, queue / lam1, 0.0)
    # Distribution of the number ahead for an arrival that must wait (k >= n -> k - n ahead).
    dist = np.zeros((len(lam1), extra + 1))
    rows = np.repeat(np.arange(len(lam1)), top + 1)
    ahead = (idx - n1[:, None]).ravel()
    mask = ahead >= 0
    np.add.at(dist, (rows[mask], np.minimum(ahead[mask], extra)), p.ravel()[mask])
    dist[lam1 == 0] = 0.0
    return ErlangA(
        arrival_rate=lam,
        aht=s,
        patience=pat,
        n=k,
        p_wait=p_wait.reshape(shape),
        p_abandon=np.clip(p_ab, 0, 1).reshape(shape),
        mean_wait=wait.reshape(shape),
        _queue_dist=dist,
    )
