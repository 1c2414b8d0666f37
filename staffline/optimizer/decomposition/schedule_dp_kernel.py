"""The forward pass of :class:`~staffline.optimizer.decomposition.schedule_dp.ScheduleDP`, compiled by numba.

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
def _reset_into(dst: np.ndarray, src: np.ndarray, lo: int, hi: int) -> None:
    """Rows of ``src`` with 'this weekend already counted' cleared, into ``dst``, over tail indices [lo, hi) (lo even)."""
    for row in range(src.shape[0]):
        into, live = dst[row, lo:hi], src[row, lo:hi]  # views, as in _arrive
        for j in range(0, live.size, 2):
            into[j] = live[j + 1] if live[j + 1] < live[j] else live[j]
            into[j + 1] = INF


@njit(cache=True)
def _fill(rows: np.ndarray, lo: int, hi: int) -> None:
    """Every row's tail indices [lo, hi) to infinity (unreached until the pass reaches them)."""
    for row in range(rows.shape[0]):
        rows[row, lo:hi] = INF


@njit(cache=True)
def _arrive(target: np.ndarray, source: np.ndarray, cost: float, move: np.ndarray, lo: int, hi: int) -> None:
    """target[move[t]] = min(target[move[t]], source[t] + cost) over the tail indices [lo, hi): one shift worked."""
    live, moves = source[lo:hi], move[lo:hi]  # views: a loop from 0 lets numba drop its negative-index checks
    for t in range(live.size):
        t2 = moves[t]
        if t2 >= 0 and live[t] < INF:
            value = live[t] + cost
            if value < target[t2]:
                target[t2] = value


@njit(cache=True)
def _minimum_into(target: np.ndarray, source: np.ndarray, lo: int, hi: int) -> None:
    """target = min(target, source) over the tail indices [lo, hi)."""
    into, live = target[lo:hi], source[lo:hi]
    for t in range(live.size):
        if live[t] < into[t]:
            into[t] = live[t]


@njit(cache=True)
def _start(work, off, costs, groups, moves, available: bool, must_work: bool, weekend: int, work_exempt: bool, off_exempt: bool) -> None:
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
                _arrive(work[groups[g, 0], 0, e], origin, costs[g], moves[g, weekend], 0, 1)


@njit(cache=True)
def _step(
    new_work,
    new_off,
    work,
    off,
    costs,
    groups,
    allowed_prev,
    moves,
    available: bool,
    must_work: bool,
    weekend: int,
    min_work: int,
    lo: int,
    hi: int,
    arriving,
) -> None:
    """Day d's states from day d - 1's (after any weekend reset); work is [c, r, e, tail], off [i, tail].

    Yesterday's states are read over its live tail indices [lo, hi) only
    (see :func:`forward`); today's were set to infinity over its own.
    ``arriving`` is scratch of shape [runs, 2, tail].
    """
    n_classes, runs = work.shape[0], work.shape[1]
    q = off.shape[0] - 1
    if not must_work:
        for i in range(1, q):
            new_off[i, lo:hi] = off[i - 1, lo:hi]
        _minimum_into(new_off[q - 1], off[q - 1], lo, hi)
        new_off[q, lo:hi] = off[q, lo:hi]
        for c in range(n_classes):  # a run ends: exempt runs (began on day 0) at any length, others at the minimum
            for r in range(runs):
                _minimum_into(new_off[0], work[c, r, 1], lo, hi)
                if r >= min_work - 1:
                    _minimum_into(new_off[0], work[c, r, 0], lo, hi)
    if not available:
        return
    last_mask = -1
    for g in range(groups.shape[0]):
        if costs[g] == INF:
            continue
        mask = groups[g, 1]
        if mask != last_mask:  # groups come sorted by the classes they may follow: one minimum per set
            arriving[:, :, lo:hi] = INF  # runs one day longer than yesterday's; run 0 starts from rest
            arriving[0, 0, lo:hi] = off[q - 1, lo:hi]
            _minimum_into(arriving[0, 0], off[q], lo, hi)
            for r in range(1, runs):
                for c in range(n_classes):
                    if allowed_prev[mask, c]:
                        _minimum_into(arriving[r, 0], work[c, r - 1, 0], lo, hi)
                        _minimum_into(arriving[r, 1], work[c, r - 1, 1], lo, hi)
            last_mask = mask
        for r in range(runs):
            for e in range(2):
                _arrive(new_work[groups[g, 0], r, e], arriving[r, e], costs[g], moves[g, weekend], lo, hi)


@njit(cache=True, nogil=True)
def forward(
    days_work,
    days_off,
    day_costs,
    groups,
    allowed_prev,
    moves,
    available,
    must_work,
    weekend_day,
    weekend_start,
    min_work: int,
    work_exempt: bool,
    off_exempt: bool,
    window,
) -> None:
    """Fill every day's work states ``days_work[d, c, r, e, tail]`` and off states ``days_off[d, i, tail]``.

    ``day_costs[d, g]`` is the cost of working group g on day d;
    ``groups[g] = (class it leaves, index of its row in allowed_prev)``;
    ``weekend_day[d]`` is 1 on the days of a limited weekend (it selects
    ``moves[g, 1]``), ``weekend_start[d]`` where a limited weekend begins.
    The arrays are the caller's (reused from call to call: allocating them
    anew cost more than the pass itself on 84-day horizons).

    ``window[d] = (lo, hi)``: the tail indices that can be live on day d
    (minutes reachable by then, and enough of them for the contract's
    minimum to stay reachable; minutes lead the tail, so this is one
    range). Only those are computed; elsewhere a day's arrays hold whatever
    the scratch memory held, and every reader (:func:`walk_back`,
    :func:`enumerate_paths`) looks inside the windows only. The last day is
    set to infinity in full: the caller reads all of its end states. Why:
    on Curtois Instance19 (84 days, 217 minute steps) a window is half the
    tail on average, and setting every day's memory to infinity took a
    third of a call.
    """
    n_days = day_costs.shape[0]
    n_tail = days_work.shape[4]
    days_work[n_days - 1] = INF
    days_off[n_days - 1] = INF
    for d in range(n_days - 1):
        _fill(days_work[d].reshape(-1, n_tail), window[d, 0], window[d, 1])
        _fill(days_off[d], window[d, 0], window[d, 1])
    _start(days_work[0], days_off[0], day_costs[0], groups, moves, available[0], must_work[0], weekend_day[0], work_exempt, off_exempt)
    arriving = np.empty((days_work.shape[2], 2, n_tail))
    reset_work = np.empty(days_work.shape[1:])
    reset_off = np.empty(days_off.shape[1:])
    for d in range(1, n_days):
        lo, hi = window[d - 1, 0], window[d - 1, 1]
        work, off = days_work[d - 1], days_off[d - 1]
        if weekend_start[d]:
            _reset_into(reset_work.reshape(-1, n_tail), work.reshape(-1, n_tail), lo, hi)
            _reset_into(reset_off, off, lo, hi)
            work, off = reset_work, reset_off
        _step(
            days_work[d],
            days_off[d],
            work,
            off,
            day_costs[d],
            groups,
            allowed_prev,
            moves,
            available[d],
            must_work[d],
            weekend_day[d],
            min_work,
            lo,
            hi,
            arriving,
        )


@njit(cache=True)
def _predecessor(d, kind, i, r, e, t, value, work, off, group_costs, groups, allowed_prev, inverse, weekend, min_work, lo, hi):
    """(kind, i, r, e, t, group) of a state on day d - 1 (in the arrays day d started from) that reaches the given one.

    ``kind`` 0 is work (``i`` = class), 1 is off (``i`` = rest index);
    ``group`` is the group worked on day d, -1 for a day off. Values are
    compared exactly: the forward pass made each one by the same addition.
    Day d - 1 is read inside its window [lo, hi) only (see :func:`forward`).
    """
    n_classes, runs = work.shape[0], work.shape[1]
    q = off.shape[0] - 1
    if kind == 1:
        if t < lo or t >= hi:
            return -1, 0, 0, 0, 0, -1
        if i == q and off[q, t] == value:
            return 1, q, 0, 0, t, -1
        if 0 < i < q and off[i - 1, t] == value:
            return 1, i - 1, 0, 0, t, -1
        if i == q - 1 and off[q - 1, t] == value:
            return 1, q - 1, 0, 0, t, -1
        if i == 0:
            for c in range(n_classes):
                for rr in range(runs):
                    for ee in range(2):
                        if (ee == 1 or rr >= min_work - 1) and work[c, rr, ee, t] == value:
                            return 0, c, rr, ee, t, -1
        return -1, 0, 0, 0, 0, -1
    for g in range(groups.shape[0]):
        cost = group_costs[d, g]
        if groups[g, 0] != i or cost == INF:
            continue
        for s in range(inverse.shape[3]):
            ts = inverse[g, weekend, t, s]
            if ts < lo or ts >= hi:  # no source (-1) or outside the window
                continue
            if r == 0:
                if e == 0:
                    for rest in (q - 1, q):
                        if off[rest, ts] + cost == value:
                            return 1, rest, 0, 0, ts, g
            else:
                for c in range(n_classes):
                    if allowed_prev[groups[g, 1], c] and work[c, r - 1, e, ts] + cost == value:
                        return 0, c, r - 1, e, ts, g
    return -1, 0, 0, 0, 0, -1


@njit(cache=True, nogil=True)
def walk_back(
    days_work, days_off, ends, group_costs, groups, allowed_prev, moves, inverse, weekend_day, weekend_start, min_work: int, window
):
    """The group worked each day (-1 off) by the schedule ending in each of ``ends``.

    ``ends`` are flat indices into the last day's work states followed by
    its off states; ``window`` is :func:`forward`'s. Raises if a state
    cannot be traced (a bug, not bad input).
    """
    n_days, n_classes, runs, _, n_tail = days_work.shape
    n_work = n_classes * runs * 2 * n_tail
    reset_at = np.full(n_days, -1, dtype=np.int64)  # where a day's transition started from a weekend reset
    n_resets = 0
    for d in range(1, n_days):
        if weekend_start[d]:
            reset_at[d] = n_resets
            n_resets += 1
    resets_work = np.empty((n_resets,) + days_work.shape[1:])
    resets_off = np.empty((n_resets,) + days_off.shape[1:])
    for d in range(1, n_days):
        if reset_at[d] >= 0:
            lo, hi = window[d - 1, 0], window[d - 1, 1]  # outside it the copy stays unset: _predecessor reads inside only
            _reset_into(resets_work[reset_at[d]].reshape(-1, n_tail), days_work[d - 1].reshape(-1, n_tail), lo, hi)
            _reset_into(resets_off[reset_at[d]], days_off[d - 1], lo, hi)
    found = np.full((ends.size, n_days), -1, dtype=np.int64)
    for j in range(ends.size):
        flat = ends[j]
        if flat < n_work:
            kind, t = 0, flat % n_tail
            i, r, e = flat // n_tail // 2 // runs, flat // n_tail // 2 % runs, flat // n_tail % 2
        else:
            kind, i, r, e, t = 1, (flat - n_work) // n_tail, 0, 0, (flat - n_work) % n_tail
        for d in range(n_days - 1, 0, -1):
            value = days_work[d, i, r, e, t] if kind == 0 else days_off[d, i, t]
            work_in, off_in = days_work[d - 1], days_off[d - 1]
            if reset_at[d] >= 0:
                work_in, off_in = resets_work[reset_at[d]], resets_off[reset_at[d]]
            kind, i, r, e, t, g = _predecessor(
                d,
                kind,
                i,
                r,
                e,
                t,
                value,
                work_in,
                off_in,
                group_costs,
                groups,
                allowed_prev,
                inverse,
                weekend_day[d],
                min_work,
                window[d - 1, 0],
                window[d - 1, 1],
            )
            if kind < 0:
                raise AssertionError("schedule DP: a state is not traced back")
            found[j, d] = g
            if reset_at[d] >= 0 and t % 2 == 0:  # after the reset, flag 0 holds the better of flags 0 and 1
                target = work_in[i, r, e, t] if kind == 0 else off_in[i, t]
                before = days_work[d - 1, i, r, e, t] if kind == 0 else days_off[d - 1, i, t]
                if before != target:
                    t += 1
        if kind == 0:  # day 0: a first shift from nothing, so its value is its cost
            value = days_work[0, i, r, e, t]
            for g in range(groups.shape[0]):
                if groups[g, 0] == i and r == 0 and moves[g, weekend_day[0], 0] == t and group_costs[0, g] == value:
                    found[j, 0] = g
                    break
            else:
                raise AssertionError("schedule DP: the first day is not traced back")
    return found


@njit(cache=True)
def _doubled(array):
    """The array with as many rows again (uninitialised): the enumeration's stacks grow by doubling."""
    return np.concatenate((array, np.empty_like(array)))


@njit(cache=True)
def _in_value(days_work, days_off, d, kind, i, r, e, t):
    """The forward value of a state of day d (work: class i, run r, exempt e; off: rest index i), tail t."""
    return days_work[d, i, r, e, t] if kind == 0 else days_off[d, i, t]


@njit(cache=True)
def enumerate_paths(
    days_work,
    days_off,
    end_kind,
    end_state,
    budget: float,
    member_costs,
    member_ids,
    groups,
    allowed_prev,
    moves,
    inverse,
    weekend_day,
    weekend_start,
    min_work: int,
    work_exempt: bool,
    off_exempt: bool,
    max_paths: int,
    window,
):
    """Every schedule whose cost is at most ``budget``, as template per day (-1 off): (schedules, complete).

    Walks back from the end states (``end_kind[j]`` 0 work / 1 off,
    ``end_state[j] = (i, r, e, t)``) through *every* predecessor whose
    forward value plus the cost walked so far stays within the budget. The
    forward values are exact cheapest prefixes, so no branch is a dead end:
    the work is proportional to the schedules found (times the days).
    ``member_costs[d, g, j]`` is the cost of member ``member_ids[g, j]`` of
    group g on day d (members make the same move, so each is its own
    schedule). Stops after ``max_paths`` schedules (``complete`` False).
    Day d's states are read inside ``window[d]`` only (:func:`forward`).
    A weekend reset at day d merged flags 0 and 1 of day d - 1 into flag 0:
    both are predecessors of flag 0.
    """
    n_days = days_work.shape[0]
    n_classes, runs = days_work.shape[1], days_work.shape[2]
    q = days_off.shape[1] - 1
    n_members = member_ids.shape[1]
    found = np.empty((max_paths, n_days), dtype=np.int64)
    n_found = 0
    # the DFS stack: day, kind, i, r, e, t, cost walked so far (days after `day`), the schedule's tail
    stack_state = np.empty((1024, 6), dtype=np.int64)
    stack_cost = np.empty(1024)
    stack_path = np.empty((1024, n_days), dtype=np.int64)
    top = 0
    for j in range(end_kind.size):
        if top == stack_state.shape[0]:
            stack_state, stack_cost, stack_path = _doubled(stack_state), _doubled(stack_cost), _doubled(stack_path)
        stack_state[top, 0], stack_state[top, 1] = n_days - 1, end_kind[j]
        stack_state[top, 2:] = end_state[j]
        stack_cost[top] = 0.0
        stack_path[top, :] = -1
        top += 1
    # predecessors of one state, collected before being pushed: kind, i, r, e, t, member (-1 off), step cost
    preds = np.empty((64, 7), dtype=np.int64)
    pred_cost = np.empty(64)
    while top > 0:
        top -= 1
        d, kind, i, r, e, t = stack_state[top]
        walked = stack_cost[top]
        path = stack_path[top].copy()
        if d == 0:
            if kind == 1:
                if t == 0 and i == (q if off_exempt else 0):
                    found[n_found] = path
                    n_found += 1
            elif r == 0 and e == (1 if work_exempt else 0):
                for g in range(groups.shape[0]):
                    if groups[g, 0] != i or moves[g, weekend_day[0], 0] != t:
                        continue
                    for m in range(n_members):
                        if member_ids[g, m] >= 0 and member_costs[0, g, m] + walked <= budget and n_found < max_paths:
                            path[0] = member_ids[g, m]
                            found[n_found] = path
                            n_found += 1
            if n_found >= max_paths:
                return found[:n_found], False
            continue
        n_preds = 0
        if kind == 1:
            if i == q:
                preds[n_preds, :6] = (1, q, 0, 0, t, -1)
                pred_cost[n_preds] = 0.0
                n_preds += 1
            if 0 < i < q:
                preds[n_preds, :6] = (1, i - 1, 0, 0, t, -1)
                pred_cost[n_preds] = 0.0
                n_preds += 1
            if i == q - 1:
                preds[n_preds, :6] = (1, q - 1, 0, 0, t, -1)
                pred_cost[n_preds] = 0.0
                n_preds += 1
            if i == 0:
                for c in range(n_classes):
                    for rr in range(runs):
                        for ee in range(2):
                            if ee == 1 or rr >= min_work - 1:
                                if n_preds == preds.shape[0]:
                                    preds, pred_cost = _doubled(preds), _doubled(pred_cost)
                                preds[n_preds, :6] = (0, c, rr, ee, t, -1)
                                pred_cost[n_preds] = 0.0
                                n_preds += 1
        else:
            for g in range(groups.shape[0]):
                if groups[g, 0] != i:
                    continue
                for s in range(inverse.shape[3]):
                    ts = inverse[g, weekend_day[d], t, s]
                    if ts < 0:
                        continue
                    for m in range(n_members):
                        cost = member_costs[d, g, m]
                        if member_ids[g, m] < 0 or cost == INF:
                            continue
                        if r == 0:
                            if e == 0:
                                for rest in (q - 1, q):
                                    if n_preds + 1 >= preds.shape[0]:
                                        preds, pred_cost = _doubled(preds), _doubled(pred_cost)
                                    preds[n_preds, :6] = (1, rest, 0, 0, ts, member_ids[g, m])
                                    pred_cost[n_preds] = cost
                                    n_preds += 1
                        else:
                            for c in range(n_classes):
                                if allowed_prev[groups[g, 1], c]:
                                    if n_preds == preds.shape[0]:
                                        preds, pred_cost = _doubled(preds), _doubled(pred_cost)
                                    preds[n_preds, :6] = (0, c, r - 1, e, ts, member_ids[g, m])
                                    pred_cost[n_preds] = cost
                                    n_preds += 1
        for p in range(n_preds):
            pk, pi, pr, pe, pt, member = preds[p, :6]
            step = pred_cost[p]
            # after a weekend reset, flag 0 of day d - 1 stands for its flags 0 and 1 (the better of them)
            tails = 2 if weekend_start[d] and pt % 2 == 0 else 1
            if weekend_start[d] and pt % 2 == 1:
                continue  # flag 1 is unreachable right after a reset
            for k in range(tails):
                if pt + k < window[d - 1, 0] or pt + k >= window[d - 1, 1]:
                    continue
                value = _in_value(days_work, days_off, d - 1, pk, pi, pr, pe, pt + k)
                if value + step + walked <= budget:
                    if top == stack_state.shape[0]:
                        stack_state, stack_cost, stack_path = _doubled(stack_state), _doubled(stack_cost), _doubled(stack_path)
                    stack_state[top, 0], stack_state[top, 1] = d - 1, pk
                    stack_state[top, 2], stack_state[top, 3], stack_state[top, 4], stack_state[top, 5] = pi, pr, pe, pt + k
                    stack_cost[top] = walked + step
                    stack_path[top] = path
                    stack_path[top, d] = member
                    top += 1
    return found[:n_found], True
