"""Erlang B and Erlang C (M/M/n), vectorised and numerically stable.

Why the recursion: the textbook formula needs ``a**n / n!``, which overflows
near n = 170. The Erlang B recursion ``B(k) = a B(k-1) / (k + a B(k-1))``
keeps every intermediate in [0, 1], so loads of 1,000 Erlangs with 2,000
servers are fine. Erlang C follows from B: ``C = n B / (n - a (1 - B))``.

Every function broadcasts over all its arguments (numpy rules). Where
``n <= load`` the M/M/n queue has no steady state: the probability of waiting
is 1 and the mean wait is ``inf`` (explicit, never an exception).
"""

from __future__ import annotations

import numpy as np


def _as_arrays(load, n):
    a = np.asarray(load, dtype=float)
    k = np.asarray(n)
    if np.any(a < 0):
        raise ValueError("offered load must be non-negative")
    if np.any(k < 0) or np.any(np.asarray(k, dtype=float) != np.floor(np.asarray(k, dtype=float))):
        raise ValueError("number of servers must be a non-negative integer")
    a, k = np.broadcast_arrays(a, k.astype(np.int64))
    return a, k


TABLE_CELLS = 5_000_000  # largest (unique loads x servers) table built at once


def erlang_b(load, n):
    """Blocking probability of M/M/n/n with offered load ``load`` (Erlangs).

    The recursion runs once per *distinct* load over k = 1..max(n), filling a
    table that is then indexed by each element's n: a week grid evaluated for
    every staffing level costs one short recursion per slot, not one per cell.
    """
    a, k = _as_arrays(load, n)
    n_max = int(k.max(initial=0))
    raw = np.asarray(load, dtype=float)  # distinct loads before broadcasting: a short sort
    loads, which = np.unique(raw, return_inverse=True)
    if loads.size * (n_max + 1) <= TABLE_CELLS:
        table = np.empty((loads.size, n_max + 1))
        table[:, 0] = 1.0
        b = np.ones(loads.size)
        for servers in range(1, n_max + 1):
            b = loads * b / (servers + loads * b)
            table[:, servers] = b
        out = table[np.broadcast_to(which.reshape(raw.shape), a.shape), k]
    else:  # many distinct loads and servers: step all elements together
        b = np.ones(a.shape)
        out = np.ones(a.shape)
        for servers in range(1, n_max + 1):
            b = a * b / (servers + a * b)
            hit = k == servers
            out[hit] = b[hit]
    return out if out.ndim else float(out)


def erlang_c(load, n):
    """Probability that an arrival waits in M/M/n (1.0 where n <= load)."""
    a, k = _as_arrays(load, n)
    b = np.broadcast_to(np.asarray(erlang_b(load, n), dtype=float), a.shape)  # original args: a short unique
    stable = k > a
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, k * b / (k - a * (1 - b)), 1.0)
    c = np.where(a == 0, 0.0, np.clip(c, 0.0, 1.0))
    return c if c.ndim else float(c)


def mean_wait(load, n, aht):
    """Average speed of answer (mean wait of all arrivals), in the unit of ``aht``."""
    a, k = _as_arrays(load, n)
    t = np.broadcast_to(np.asarray(aht, dtype=float), a.shape)
    c = np.broadcast_to(np.asarray(erlang_c(load, n), dtype=float), a.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(k > a, c * t / (k - a), np.inf)
    w = np.where(a == 0, 0.0, w)
    return w if w.ndim else float(w)


def service_level(load, n, aht, target):
    """Share of arrivals that start service within ``target`` (same unit as ``aht``)."""
    a, k = _as_arrays(load, n)
    t = np.broadcast_to(np.asarray(aht, dtype=float), a.shape)
    tau = np.broadcast_to(np.asarray(target, dtype=float), a.shape)
    c = np.broadcast_to(np.asarray(erlang_c(load, n), dtype=float), a.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sl = np.where(k > a, 1.0 - c * np.exp(-(k - a) * tau / t), 0.0)
    sl = np.where(a == 0, 1.0, np.clip(sl, 0.0, 1.0))
    return sl if sl.ndim else float(sl)


def occupancy(load, n):
    """Server utilisation ``load / n``, capped at 1 (an overloaded queue keeps all busy)."""
    a, k = _as_arrays(load, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(k > 0, np.minimum(a / np.maximum(k, 1), 1.0), np.where(a > 0, 1.0, 0.0))
    return occ if occ.ndim else float(occ)
