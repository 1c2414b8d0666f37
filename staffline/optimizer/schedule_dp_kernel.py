"""The forward pass of :class:`~staffline.optimizer.schedule_dp.ScheduleDP`, compiled by numba.

Why compiled: the same recurrence written as numpy slices cost 17 ms a call
on Curtois Instance13 (120 employees, 9 decision groups, 26,000 states),
most of it temporaries and per-slice call overhead: each day, each group
built three or four full-size arrays. Here each day is one pass over the
states per group and nothing is allocated but the result. Column
generation and the best-response search call it tens of thousands of
times, so it sets how far they get in a time limit.

Arrays (see ScheduleDP): work states ``W[c, r, e, m, k, w, f]`` and off
states ``O[i, m, k, w, f]``; the trailing four axes (minutes, limited-type
counts, weekends, weekend flag) are the *tail*, flattened here to one index
so that every loop is plain (numba took 90 s to compile the same code
written with broadcasting on 7-axis slices; this compiles in a few
seconds). Where a shift takes a tail index is a table the caller builds
once per employee (``moves[g, weekend, tail]``, -1 for nowhere).
``cache=True`` keeps the machine code on disk, so only the first run on a
machine compiles.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True)
def reset_weekend(work: np.ndarray, off: np.ndarray):
    """Copies with 'this weekend already counted' cleared (a new weekend starts today; flag is the last axis)."""
    work, off = work.copy(), off.copy()
    for flat in (work.reshape(-1), off.reshape(-1)):
        for j in range(0, flat.size, 2):
            if flat[j + 1] < flat[j]:
                flat[j] = flat[j + 1]
            flat[j + 1] = INF
    return work, off


@njit(cache=True)
def _arrive(target: np.ndarray, source: np.ndarray, cost: float, move: np.ndarray) -> None:
    """target[move[t]] = min(target[move[t]], source[t] + cost) over the tail: one shift worked."""
    for t in range(source.size):
        t2 = move[t]
        if t2 >= 0 and source[t] < INF:
            value = source[t] + cost
            if value < target[t2]:
                target[t2] = value


@njit(cache=True)
def _minimum_into(target: np.ndarray, source: np.ndarray) -> None:
    for t in range(source.size):
        if source[t] < target[t]:
            target[t] = source[t]


@njit(cache=True)
def _start(work, off, costs, groups, moves, available: bool, must_work: bool, weekend: int,
           work_exempt: bool, off_exempt: bool) -> None:
    """Day 0: off (exempt from the minimum rest when ``off_exempt``) or a first shift of each group."""
    q = off.shape[0] - 1
    origin = np.full(off.shape[1], INF)
    origin[0] = 0.0  # no minutes, no counts, no weekend yet
    if not must_work:
        off[q if off_exempt else 0, :] = origin
    if available:
        e = 1 if work_exempt else 0
        for g in range(groups.shape[0]):
            if costs[g] < INF:
                _arrive(work[groups[g, 0], 0, e], origin, costs[g], moves[g, weekend])


@njit(cache=True)
def _step(new_work, new_off, work, off, costs, groups, allowed_prev, moves, available: bool, must_work: bool,
          weekend: int, min_work: int) -> None:
    """Day d's states from day d - 1's (after any weekend reset); work is [c, r, e, tail], off [i, tail]."""
    n_classes, runs, n_tail = work.shape[0], work.shape[1], work.shape[3]
    q = off.shape[0] - 1
    if not must_work:
        for i in range(1, q):
            new_off[i, :] = off[i - 1]
        _minimum_into(new_off[q - 1], off[q - 1])
        new_off[q, :] = off[q]
        for c in range(n_classes):  # a run ends: exempt runs (began on day 0) at any length, others at the minimum
            for r in range(runs):
                _minimum_into(new_off[0], work[c, r, 1])
                if r >= min_work - 1:
                    _minimum_into(new_off[0], work[c, r, 0])
    if not available:
        return
    arriving = np.full((runs, 2, n_tail), INF)  # runs one day longer than yesterday's; run 0 starts from rest
    last_mask = -1
    for g in range(groups.shape[0]):
        if costs[g] == INF:
            continue
        mask = groups[g, 1]
        if mask != last_mask:  # groups come sorted by the classes they may follow: one minimum per set
            arriving[:] = INF
            arriving[0, 0, :] = off[q - 1]
            _minimum_into(arriving[0, 0], off[q])
            for r in range(1, runs):
                for c in range(n_classes):
                    if allowed_prev[mask, c]:
                        _minimum_into(arriving[r, 0], work[c, r - 1, 0])
                        _minimum_into(arriving[r, 1], work[c, r - 1, 1])
            last_mask = mask
        for r in range(runs):
            for e in range(2):
                _arrive(new_work[groups[g, 0], r, e], arriving[r, e], costs[g], moves[g, weekend])


@njit(cache=True)
def forward(day_costs, groups, allowed_prev, moves, available, must_work, weekend_day, weekend_start,
            n_classes: int, runs: int, n_off: int, n_tail: int, min_work: int, work_exempt: bool, off_exempt: bool):
    """Every day's work and off states (stacked on a leading day axis) for group costs ``day_costs[d, g]``.

    ``groups[g] = (class it leaves, index of its row in allowed_prev)``;
    ``weekend_day[d]`` is 1 on the days of a limited weekend (it selects
    ``moves[g, 1]``), ``weekend_start[d]`` where a limited weekend begins.
    Returns arrays [d, c, r, e, tail] and [d, i, tail].
    """
    n_days = day_costs.shape[0]
    days_work = np.full((n_days, n_classes, runs, 2, n_tail), INF)
    days_off = np.full((n_days, n_off, n_tail), INF)
    _start(days_work[0], days_off[0], day_costs[0], groups, moves, available[0], must_work[0], weekend_day[0],
           work_exempt, off_exempt)
    for d in range(1, n_days):
        work, off = days_work[d - 1], days_off[d - 1]
        if weekend_start[d]:
            work, off = reset_weekend(work, off)
        _step(days_work[d], days_off[d], work, off, day_costs[d], groups, allowed_prev, moves, available[d],
              must_work[d], weekend_day[d], min_work)
    return days_work, days_off
