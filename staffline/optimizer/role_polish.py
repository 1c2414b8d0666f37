"""Improve one day's role assignment person by person: each person's best roles given everyone else's, exactly.

Why: role assignment (:func:`~staffline.optimizer.assign_roles.assign_day`)
is one CP-SAT model per day, and from 40 people on duty it is slow for
its size. With one worker CP-SAT runs no neighbourhood search, and on a
60-staff day it found 35,074 after 2 s and 33,260 after 32 s, where the
same day without the role block rule and desk changes costs 18,090. The
roster as written then lost 3-5% against the class-level roster.

Given everyone else's roles, one person's best roles for the day are a
shortest path: a slot's cost of each role is what that person adds to the
role's wait (the same tangent-cut curve as the model, so exact at
integers), to the class count mismatch and to broken role minimums and
maximums; a desk change costs its weight; the role block rule is the
state (the role and how long it has run). :func:`polish_roles` solves that
path for each person in turn, keeps it when it is cheaper, and sweeps
until no person improves. Every step lowers the day's objective as the
CP-SAT model prices it (:func:`day_objective`, a test checks they agree),
so the result is never worse than the start. It is deterministic: the
order of people comes from ``seed`` and nothing depends on the clock but
the optional ``stop``. :func:`kick_and_polish` leaves the point where no
single person can improve by moving a few people at once and polishing
again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from staffline.optimizer.core.templates import shift_parts

Person = tuple[str, tuple[str, ...], tuple[int, ...]]  # (id, certified roles, worked slot indices), as assign_day takes them
UNREACHABLE = float("inf")


@dataclass
class DayPrices:
    """What one day's role assignment costs, in the units of :func:`~staffline.optimizer.assign_roles.assign_day`'s objective."""

    targets: Mapping[tuple[frozenset, int, str], int]
    wait_values: Mapping[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    minimums: Mapping[tuple[int, str], int] = field(default_factory=dict)
    maximums: Mapping[tuple[int, str], int] = field(default_factory=dict)
    rule_weight: int = 0
    change_weight: int = 0
    prefer: Mapping[tuple[str, int], str] = field(default_factory=dict)
    prefer_weight: int = 0
    fixed: Mapping[tuple[str, int], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._slots: dict[tuple[str, int], tuple | None] = {}

    def moved(self, pid: str, slot: int, roles, role: str) -> bool:
        """Whether ``role`` leaves a preferred (published) role the person holds: the model prices only certified ones."""
        preferred = self.prefer.get((pid, slot))
        return preferred is not None and preferred in roles and role != preferred

    def kept(self, pid: str, slot: int, roles) -> str | None:
        """The role a kept person-day fixes at ``slot`` (None: free); an uncertified one binds nothing, as in the model."""
        fixed = self.fixed.get((pid, slot))
        return fixed if fixed in roles else None

    def wait(self, role: str, slot: int, on_role: int) -> float:
        """The model's wait term of ``role`` at ``slot`` with ``on_role`` staff on it (the tangent cuts' maximum, at least 0).

        Fewer staff than the slot's busy ones is infeasible in the model
        (its first cut exceeds the variable's domain); here it costs a broken
        rule per person short, so a path can still be compared.
        """
        priced = self._slot(role, slot)
        if priced is None:
            return 0
        busy, top, curve, values = priced
        load = on_role - busy
        if load < 0:
            return top + self.rule_weight * -load
        if load < len(curve):
            return curve[load]
        return _tangents_at(values, load)

    def _slot(self, role: str, slot: int) -> tuple | None:
        """(busy staff, the curve's largest value, the cut maximum at loads 0..n as ints, the values) of one role and slot; None: no wait to price.

        Cached because polishing asks for the same few slots hundreds of
        thousands of times a day: numpy's max on each call took half of a
        60-staff day's kicks (0.9 of 2.1 s).
        """
        key = (role, slot)
        if key not in self._slots:
            priced = None
            if role in self.wait_values:
                values, busy = self.wait_values[role]
                row = values[slot]
                top = int(row.max())
                if top:
                    priced = (int(busy[slot]), top, [_tangents_at(row, load) for load in range(len(row))], row)
            self._slots[key] = priced
        return self._slots[key]


def _tangents_at(values: np.ndarray, load: int) -> int:
    """max(0, max_k values[k] + (values[k+1] - values[k]) (load - k)): what the model's variable takes at ``load``.

    A curve of one value (nobody could staff the role) has no cut: 0.
    """
    if len(values) < 2:
        return 0
    ks = np.arange(len(values) - 1)
    slopes = np.diff(values.astype(np.int64))
    return int(max(0, (values[:-1].astype(np.int64) + slopes * (load - ks)).max()))


def day_objective(people: list[Person], roles_of: Mapping[tuple[str, int], str], prices: DayPrices) -> int:
    """The day's objective of a complete assignment as the CP-SAT model prices it: waits, mismatch, desk changes, moves, broken limits."""
    counts = _Counts.of(people, roles_of, prices)
    total = (
        counts.waits() + counts.mismatch() + prices.rule_weight * counts.broken() + prices.change_weight * count_changes(roles_of, people)
    )
    for pid, roles, slots in people:
        total += prices.prefer_weight * sum(prices.moved(pid, s, roles, roles_of[pid, s]) for s in slots)
    return int(total)


def count_mismatch(roles_of: Mapping[tuple[str, int], str], people: list[Person], targets: Mapping) -> int:
    """Total |persons on a role - the class count wanted| over classes, slots and roles."""
    return _Counts.of(people, roles_of, DayPrices(targets)).mismatch()


def count_changes(roles_of: Mapping[tuple[str, int], str], people: list[Person]) -> int:
    """Desk changes: neighbouring worked slots of a person on different roles (as the day model counts them; one role never changes)."""
    return sum(roles_of[pid, a] != roles_of[pid, b] for pid, _, slots in people for a, b in zip(slots, slots[1:]))


@dataclass
class _Counts:
    """Staff per (slot, role) and per (class, slot, role) for one assignment, with the prices that read them."""

    prices: DayPrices
    on_role: dict[tuple[int, str], int]
    in_class: dict[tuple[frozenset, int, str], int]

    @classmethod
    def of(cls, people: list[Person], roles_of: Mapping, prices: DayPrices) -> "_Counts":
        counts = cls(prices, {}, {})
        for pid, roles, slots in people:
            for s in slots:
                for r in roles:  # every (class, slot, role) someone could fill counts, as in the model
                    counts.in_class.setdefault((frozenset(roles), s, r), 0)
                counts.add(frozenset(roles), s, roles_of[pid, s], 1)
        return counts

    def add(self, cls: frozenset, slot: int, role: str, n: int) -> None:
        self.on_role[slot, role] = self.on_role.get((slot, role), 0) + n
        self.in_class[cls, slot, role] += n

    def waits(self) -> int:
        p = self.prices
        return sum(
            p.wait(role, s, self.on_role.get((s, role), 0)) for role, (values, _) in p.wait_values.items() for s in range(values.shape[0])
        )

    def mismatch(self) -> int:
        return sum(abs(n - self.prices.targets.get(key, 0)) for key, n in self.in_class.items())

    def broken(self) -> int:
        short = sum(max(0, need - self.on_role.get(key, 0)) for key, need in self.prices.minimums.items())
        return short + sum(max(0, self.on_role.get(key, 0) - cap) for key, cap in self.prices.maximums.items())

    def joining(self, cls: frozenset, slot: int, role: str) -> float:
        """What one more person on ``role`` at ``slot`` (of class ``cls``) adds to the waits, mismatch and broken limits."""
        p = self.prices
        n = self.on_role.get((slot, role), 0)
        cost = p.wait(role, slot, n + 1) - p.wait(role, slot, n)
        have, want = self.in_class[cls, slot, role], p.targets.get((cls, slot, role), 0)
        cost += abs(have + 1 - want) - abs(have - want)
        need = p.minimums.get((slot, role))
        if need is not None and n < need:
            cost -= p.rule_weight
        cap = p.maximums.get((slot, role))
        if cap is not None and n >= cap:
            cost += p.rule_weight
        return cost


def polish_roles(
    people: list[Person],
    roles_of: Mapping[tuple[str, int], str],
    block_slots: int,
    prices: DayPrices,
    seed: int = 0,
    max_sweeps: int = 30,
    stop: Callable[[], bool] | None = None,
) -> dict[tuple[str, int], str]:
    """``roles_of`` improved one person at a time (exact best roles given the others) until a sweep changes nobody.

    The start must be complete (a role for every worked slot of every
    person). ``max_sweeps`` bounds the work; ``stop`` (checked between
    people) ends it early, e.g. at a run's deadline.
    """
    out = dict(roles_of)
    counts = _Counts.of(people, out, prices)
    order = list(range(len(people)))
    rng = random.Random(seed)
    for _ in range(max_sweeps):
        rng.shuffle(order)
        improved = False
        for index in order:
            if stop is not None and stop():
                return out
            pid, roles, slots = people[index]
            if len(roles) < 2 or not slots:
                continue
            improved |= _best_response(pid, roles, slots, out, counts, block_slots, prices)
        if not improved:
            break
    return out


KICK_SHARE = 0.07  # of the multi-certified people, re-rolled in one kick (at least one)
KICK_MOST_ROUNDS = 60


def kick_and_polish(
    people: list[Person],
    roles_of: Mapping[tuple[str, int], str],
    block_slots: int,
    prices: DayPrices,
    seed: int = 0,
    stop: Callable[[], bool] | None = None,
    rounds: int = KICK_MOST_ROUNDS,
) -> dict[tuple[str, int], str]:
    """A polished ``roles_of`` improved by kicks: a few people put on one random certified role all day, everyone re-polished, kept when cheaper.

    Why: :func:`polish_roles` stops where no single person can improve, yet
    moving two or three people at once often can. On a captured 60-staff
    week (46-54 people a day) 30 kicks a day re-rolling 7% of the
    multi-certified people took the roster as written from 13,578.5 to
    13,516.0 (desk changes 78 to 71, waits 1,514 to 1,466) in 12 CPU
    seconds; 3% and 15% gained about 45, 30% about 44. More CP-SAT time on
    those days had found nothing. People with a ``fixed`` role keep theirs.
    Rounds until ``rounds`` or ``stop``; never worse than the start.
    """
    best = dict(roles_of)
    best_value = day_objective(people, best, prices)
    movable = [
        (pid, roles, slots) for pid, roles, slots in people if len(roles) > 1 and slots and not any((pid, s) in prices.fixed for s in slots)
    ]
    if not movable:
        return best
    rng = random.Random(seed)
    size = max(1, round(KICK_SHARE * len(movable)))
    for k in range(rounds):
        if stop is not None and stop():
            break
        kicked = dict(best)
        for pid, roles, slots in rng.sample(movable, min(size, len(movable))):
            role = rng.choice(roles)
            for s in slots:
                kicked[pid, s] = role
        kicked = polish_roles(people, kicked, block_slots, prices, seed + k + 1, stop=stop)
        value = day_objective(people, kicked, prices)
        if value < best_value:
            best, best_value = kicked, value
    return best


def _best_response(pid, roles, slots, out: dict, counts: _Counts, block_slots: int, prices: DayPrices) -> bool:
    """Re-choose one person's roles for the day given everyone else's; True when that lowered the objective."""
    cls = frozenset(roles)
    roles = sorted(roles)
    current = [out[pid, s] for s in slots]
    for s, r in zip(slots, current):
        counts.add(cls, s, r, -1)
    prices_of = []
    for s in slots:
        fixed = prices.kept(pid, s, roles)
        row = []
        for r in roles:
            if fixed is not None and r != fixed:
                row.append(UNREACHABLE)
                continue
            row.append(counts.joining(cls, s, r) + prices.prefer_weight * prices.moved(pid, s, roles, r))
        prices_of.append(row)
    best, best_cost = _cheapest_path(slots, roles, prices_of, block_slots, prices.change_weight)
    now_cost = _path_cost([roles.index(r) for r in current], prices_of, prices.change_weight)
    chosen = current if best is None or best_cost >= now_cost else [roles[k] for k in best]
    for s, r in zip(slots, chosen):
        counts.add(cls, s, r, 1)
        out[pid, s] = r
    return chosen is not current


def _path_cost(path: list[int], prices_of: list[list[float]], change_weight: int) -> float:
    return sum(row[k] for row, k in zip(prices_of, path)) + change_weight * sum(a != b for a, b in zip(path, path[1:]))


def _cheapest_path(slots, roles, prices_of, block_slots: int, change_weight: int) -> tuple[list[int] | None, float]:
    """The cheapest role per worked slot under the block rule (dynamic programming over (role, run length))."""
    n_roles = len(roles)
    parts = shift_parts(slots)
    # state (role, run) -> (cost, back pointer); run = slots on that role so far in this part, capped at the block
    states: dict[tuple[int, int], tuple[float, tuple | None]] = {}
    history: list[dict] = []
    i = 0
    prev_short = False
    for part in parts:
        short_part = len(part) < block_slots
        for j, _slot in enumerate(part):
            row = prices_of[i]
            new: dict[tuple[int, int], tuple[float, tuple | None]] = {}
            if j == 0:  # a part begins: any role, a change when it differs from the last slot before lunch
                closing = [(key, cost) for key, (cost, _) in states.items() if key[1] >= block_slots or prev_short]
                for r in range(n_roles):
                    if row[r] == UNREACHABLE:
                        continue
                    if not history:
                        new[r, 1] = (row[r], None)
                        continue
                    options = [(cost + (change_weight if key[0] != r else 0), key) for key, cost in closing]
                    if options:
                        cost, key = min(options)
                        new[r, 1] = (cost + row[r], key)
            else:
                for (r, run), (cost, _) in states.items():
                    stay = (r, min(run + 1, block_slots))
                    if row[r] != UNREACHABLE and (stay not in new or cost + row[r] < new[stay][0]):
                        new[stay] = (cost + row[r], (r, run))
                    if run >= block_slots and not short_part and j + block_slots <= len(part):
                        for r2 in range(n_roles):
                            if r2 == r or row[r2] == UNREACHABLE:
                                continue
                            total = cost + change_weight + row[r2]
                            if (r2, 1) not in new or total < new[r2, 1][0]:
                                new[r2, 1] = (total, (r, run))
            history.append(new)
            states = new
            i += 1
        prev_short = short_part
    final = [(cost, key) for key, (cost, _) in states.items() if key[1] >= block_slots or prev_short]
    if not final:
        return None, UNREACHABLE
    cost, key = min(final)
    path = []
    for step in reversed(history):
        path.append(key[0])
        key = step[key][1]
    return path[::-1], cost
