"""Give each on-duty person a role per slot, matching the optimizer's class-level counts.

The roster model decides how many members of each certification class work
each role per slot, not who. Here a small CP-SAT model per day picks, for each
person, one certified role per worked slot so that the per-class counts match
(minimising any mismatch) and every role block lasts at least the minimum
block length. A block may be shorter only when the whole shift part (between
start, lunch and end) is shorter, so nobody changes desk every 15 minutes.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

MINIMUM_WEIGHT = 1000


def shift_parts(slots: tuple[int, ...]) -> list[list[int]]:
    """Split worked slot indices into contiguous parts (a lunch gap splits a shift)."""
    parts: list[list[int]] = []
    for s in slots:
        if parts and parts[-1][-1] == s - 1:
            parts[-1].append(s)
        else:
            parts.append([s])
    return parts


def assign_day(
    people: list[tuple[str, tuple[str, ...], tuple[int, ...]]],
    targets: dict[tuple[frozenset, int, str], int],
    block_slots: int,
    seed: int = 0,
    time_limit: float = 3.0,
    minimums: dict[tuple[int, str], int] | None = None,
) -> tuple[dict[tuple[str, int], str], int]:
    """Roles per (person, slot) for one day, and the total count mismatch.

    ``people`` = (person id, certified roles, worked slot indices);
    ``targets`` = (class, slot, role) -> count wanted; ``minimums`` = (slot,
    role) -> staff that hard rules need (greeter, appointments). Missing a
    minimum costs :data:`MINIMUM_WEIGHT` mismatches, so it is given up only
    when the block rule leaves no other way.
    """
    m = cp_model.CpModel()
    z: dict[tuple[str, int, str], cp_model.IntVar] = {}
    by_class_slot_role: dict[tuple[frozenset, int, str], list] = {}
    for pid, roles, slots in people:
        cls = frozenset(roles)
        for s in slots:
            vars_ = []
            for r in sorted(roles):
                v = m.NewBoolVar(f"z_{pid}_{s}_{r}")
                z[pid, s, r] = v
                vars_.append(v)
                by_class_slot_role.setdefault((cls, s, r), []).append(v)
            m.AddExactlyOne(vars_)
        for part in shift_parts(slots):
            first, last = part[0], part[-1]
            for r in roles:
                for s in part:
                    begins = z[pid, s, r] if s == first else z[pid, s, r] - z[pid, s - 1, r]
                    if s != first and s + block_slots - 1 > last:
                        m.Add(begins <= 0)  # a new block here could not reach the minimum length
                        continue
                    for j in range(1, block_slots):
                        if s + j <= last:
                            m.Add(z[pid, s + j, r] >= begins)
    mismatch = []
    for key, vars_ in by_class_slot_role.items():
        want = targets.get(key, 0)
        dev = m.NewIntVar(0, len(vars_), f"dev_{len(mismatch)}")
        m.Add(sum(vars_) - want <= dev)
        m.Add(want - sum(vars_) <= dev)
        mismatch.append(dev)
    shortfalls = []
    for (s, r), need in (minimums or {}).items():
        on_role = [v for (pid, slot, role), v in z.items() if slot == s and role == r]
        short = m.NewIntVar(0, need, f"short_{s}_{r}")
        m.Add(sum(on_role) + short >= need)
        shortfalls.append(short)
    m.Minimize(sum(mismatch) + MINIMUM_WEIGHT * sum(shortfalls))
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = time_limit  # repeatable: no wall-clock cut-off
    solver.parameters.max_time_in_seconds = 4 * time_limit
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.Solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # pragma: no cover - always feasible
        raise RuntimeError("role assignment failed")
    roles_of = {(pid, s): r for (pid, s, r), v in z.items() if solver.Value(v)}
    return roles_of, int(sum(solver.Value(v) for v in mismatch))
