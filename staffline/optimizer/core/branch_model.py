"""The weekly branch roster as one CP-SAT model (see DESIGN.md, formulation notes).

Decisions:

* ``x[e, d, t]`` - employee e works shift template t on day d (at most one a day);
* ``y[c, d, s, r]`` - how many on-duty members of certification class c work
  role r in slot s (classes = staff with the same set of certificates). Roles
  are decided per class, not per person: no per-person role booleans, a much
  smaller model, and persons get their roles afterwards (``assign_roles``);
* ``n[r, d, s] = sum_c y[c, d, s, r]`` - staff on each role per slot;
* ``w[r, d, s] >= W(k) + (W(k+1) - W(k)) (n - busy - k)`` for every k - the
  convex wait curve as tangent cuts, exact at integers with no extra booleans
  (``busy`` = advisors tied up in appointments).

Rules (``staffline.constraints``) add themselves through :meth:`add` (hard,
recorded under the rule's name) and :meth:`penalty` (soft). For diagnosis the
model is rebuilt with one enforcement literal per rule name, so CP-SAT can
report which rules conflict. The objective is integer: every value is scaled by
:data:`SCALE` (hundredths of a value unit) and rounded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from staffline.model import ROLE_CHANGES, Instance
from staffline.optimizer.core.shift_model import SCALE, ShiftModel
from staffline.optimizer.core.templates import ShiftTemplate, build_templates, lunch_pairs

__all__ = ["SCALE", "DayGrid", "RosterBuilder", "WaitData", "plan_days"]

CHAIN_MIN_SHIFT_OPTIONS = 8000  # employee x day x template choices above which on-duty counts are chained (_build_class_counts)


@dataclass
class DayGrid:
    """A day of the plan week: its open slots and shift templates."""

    date: dt.date
    slots: list[dt.time]
    templates: list[ShiftTemplate]


@dataclass
class WaitData:
    """Wait curves per role: ``curves[role][day_index]`` = array[slot, n + 1] in customer-minutes."""

    curves: dict[str, dict[int, np.ndarray]]
    busy: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)  # appointments in progress per slot


class RosterBuilder(ShiftModel):
    """The shift core plus certification classes, role counts and the wait objective."""

    def __init__(
        self, instance: Instance, days: list[DayGrid], waits: WaitData, diagnose: bool = False, model=None, block_cuts: bool = True
    ):
        """``block_cuts=False`` leaves out the class role-block cuts (:meth:`_class_role_blocks`): valid inequalities
        that keep integer rosters realisable person by person, which an LP bound does not need (on jiangdong's four
        weeks they made CLP's barrier 7x slower and raised the LP's optimum by nothing)."""
        super().__init__(instance.staff, days, diagnose, model)
        self.instance = instance
        self.branch = instance.branch
        self.waits = waits
        self.classes: dict[frozenset, list[int]] = defaultdict(list)
        for i, e in enumerate(self.employees):
            self.classes[frozenset(e.roles)].append(i)
        self._build_class_counts()
        self._build_roles()
        self._events: dict[tuple[frozenset, int], dict[str, list]] = {}  # see _part_events
        self._splits: dict[tuple[frozenset, int], tuple[list, list]] = {}  # see _role_splits
        self._singleton_role_blocks()
        if not diagnose:  # valid cuts, not rules: diagnosis (a relaxation without them) proves conflicts far faster
            if block_cuts:
                self._class_role_blocks()
            self._role_change_bound()  # soft: nothing to diagnose

    # ----- variables -------------------------------------------------------
    def _build_class_counts(self) -> None:
        """On-duty count of each certification class per slot; on big branches one integer per slot, chained over the day.

        ``on[s] = on[s-1] + (parts starting at s) - (parts ending at s-1)``,
        where a part is a worked stretch of a shift (lunch splits one). Why not
        the plain sum of every shift covering s: each shift variable then sat
        in every slot it covers (about 18), and every rule over on-duty counts
        (the headcount cap) copied those sums again. At 150 staff that was 2.8
        million terms, most of the model's build and presolve time; the chain
        has each shift twice per part. It is the same linear identity
        (``on[s]`` telescopes to the plain sum), so the LP and the integer
        rosters are unchanged; but the solvers search it differently: on
        jiangdong (3,828 shift options) the portfolio found no roster in 20 s
        with the chain, and finds one with the plain sums. So branches up to
        :data:`CHAIN_MIN_SHIFT_OPTIONS` keep the plain sums.
        """
        self.class_on: dict[tuple[frozenset, int, int], cp_model.LinearExpr] = {}
        m = self.model
        if len(self.employees) * sum(len(day.templates) for day in self.days) <= CHAIN_MIN_SHIFT_OPTIONS:
            for c, members in self.classes.items():
                for d, day in enumerate(self.days):
                    per_slot: dict[int, list] = defaultdict(list)
                    for i in members:
                        for t, var in self.x[i, d].items():
                            for s in day.templates[t].slots:
                                per_slot[s].append(var)
                    for s in range(len(day.slots)):
                        self.class_on[c, d, s] = self.total(per_slot[s]) if s in per_slot else 0
            return
        for c, members in self.classes.items():
            for d, day in enumerate(self.days):
                starts: dict[int, list] = defaultdict(list)
                ends: dict[int, list] = defaultdict(list)
                for i in members:
                    for t, var in self.x[i, d].items():
                        for part in day.templates[t].parts:
                            starts[part[0]].append(var)
                            ends[part[-1]].append(var)
                previous = None
                for s in range(len(day.slots)):
                    if previous is None and not starts.get(s):
                        self.class_on[c, d, s] = 0  # nobody of the class can be on duty yet
                        continue
                    on = m.NewIntVar(0, len(members), f"on_{'+'.join(sorted(c))}_{d}_{s}")
                    change = self.total(starts.get(s, [])) - self.total(ends.get(s - 1, []))
                    m.Add(on == (previous if previous is not None else 0) + change)
                    self.class_on[c, d, s] = previous = on

    def _build_roles(self) -> None:
        m = self.model
        self.y: dict[tuple[frozenset, int, int, str], cp_model.IntVar] = {}
        self.n: dict[tuple[str, int, int], cp_model.LinearExpr] = {}
        roles = self.branch.role_names
        for d, day in enumerate(self.days):
            for s in range(len(day.slots)):
                by_role: dict[str, list] = defaultdict(list)
                for c, members in self.classes.items():
                    parts = []
                    for r in sorted(c):
                        var = m.NewIntVar(0, len(members), f"y_{'+'.join(sorted(c))}_{d}_{s}_{r}")
                        self.y[c, d, s, r] = var
                        by_role[r].append(var)
                        parts.append(var)
                    m.Add(sum(parts) == self.class_on[c, d, s])
                for r in roles:
                    self.n[r, d, s] = sum(by_role.get(r, []))

    def _singleton_role_blocks(self) -> None:
        """The minimum role block, exactly, for classes of one person.

        Roles are counted per class, and persons get theirs afterwards; for a
        class of one the count *is* the person's role, and a count pattern
        that switches roles faster than the minimum block (say a lone
        lobby-and-advisory person needed on lobby at 09:00 and on an advisory
        appointment at 09:30) has no valid person-level roster: the roster
        would break a hard rule. With ``ws`` = the person on duty: a run of
        role r starting at s (``y[s] - y[s-1] = 1``) lasts ``block`` slots
        while on duty (A), and a run starting mid-part needs the part to go
        on that long (B). A part shorter than the block thus keeps one role,
        as the checker demands.
        """
        block = max(1, self.branch.shift_rules.min_role_block_minutes // self.branch.slot_minutes)
        if block <= 1:
            return
        m = self.model
        for c, members in self.classes.items():
            if len(members) != 1 or len(c) < 2:
                continue
            for d, day in enumerate(self.days):
                n_slots = len(day.slots)
                ws = [self.class_on[c, d, s] for s in range(n_slots)]
                for r in sorted(c):
                    y = [self.y[c, d, s, r] for s in range(n_slots)]
                    for s in range(n_slots):
                        starts = y[s] - (y[s - 1] if s else 0)
                        before = ws[s - 1] if s else 0
                        for j in range(1, block):
                            if s + j < n_slots:
                                m.Add(y[s + j] >= starts - (1 - ws[s + j]))  # A
                                m.Add(ws[s + j] >= starts + before - 1)  # B
                            else:
                                m.Add(starts + before <= 1)  # B at closing: no new run mid-part this late

    def _class_role_blocks(self) -> None:
        """Valid inequalities of the minimum role block for classes of several people.

        Counts of a class are not realisable person by person when they switch
        roles faster than the block allows; role assignment then has to stray
        from them and the roster is worse than the model believed (jiangdong:
        1.5% above the model's optimum without these). With E(u) = members
        whose shift part ends at slot u and P(s) = members whose part starts
        at s (two small counts per slot), two consequences of the block rule
        hold for any class: (A) people who start role r at s (at least
        ``y[s] - y[s-1]`` plus those who left r after s - 1, see
        :meth:`_starters`) are still on r at s + j unless their part has
        ended, so ``y[s + j] >= starters - E(s .. s+j-1)``; (B) a block
        starting mid-part needs the part to last the block, so ``starters <=
        P(s) + on duty(s) - E(s .. s+block-2)``.
        """
        block = max(1, self.branch.shift_rules.min_role_block_minutes // self.branch.slot_minutes)
        if block <= 1:
            return
        m = self.model
        for c, members in self.classes.items():
            if len(members) < 2 or len(c) < 2:
                continue
            roles = sorted(c)
            for d, day in enumerate(self.days):
                n_slots = len(day.slots)
                events = self._part_events(c, d)
                ended = [events["last"][u] + events["leave"][u] for u in range(n_slots)]
                begun = [events["first"][u] + events["back"][u] for u in range(n_slots)]
                _, leave = self._role_splits(c, d)
                for s in range(n_slots):
                    on = sum(self.y[c, d, s, r] for r in roles)  # = class members on duty at s
                    for r in roles:
                        starts = self._starters(c, d, s, r, leave)
                        m.Add(starts <= begun[s] + on - sum(ended[s : s + block - 1]))  # B
                        for j in range(1, block):
                            if s + j < n_slots:
                                m.Add(self.y[c, d, s + j, r] >= starts - sum(ended[s : s + j]))  # A

    def _starters(self, c: frozenset, d: int, s: int, r: str, leave: list):
        """A lower bound on class c's members who start role r at slot s: the count's rise plus the seats its leavers left on r.

        Those on r at s - 1 and still on duty at s are at most ``y[s-1, r]``
        less the members who left r after s - 1 (shift end or break), so at
        least ``y[s, r] - y[s-1, r] + leavers from r`` are new on r at s.
        """
        if not s:
            return self.y[c, d, s, r]
        return self.y[c, d, s, r] - self.y[c, d, s - 1, r] + sum(split.get(r, 0) for split in leave[s - 1].values())

    def _role_change_bound(self) -> None:
        """The soft rule ``role changes`` as far as class counts can see it: a lower bound on desk changes.

        A desk change is a worked slot on another role than the person's
        previous worked slot: a switch within a shift part, or back from a
        break on another desk. Per class, day and slot the model splits by
        role, within the role counts ``y`` of the slot, the members who start
        their shift there (``st``), come back from a break (``bk``), end
        their shift after it (``fin``) or leave for a break after it
        (``ot``). Those on r at s-1 and still on duty at s are ``y[s-1, r] -
        fin[s-1, r] - ot[s-1, r]``; so

        * switches into r at s number at least
          ``y[s, r] - y[s-1, r] + fin[s-1, r] + ot[s-1, r] - st[s, r] - bk[s, r]``
          (a seat kept filled when its holder leaves takes a switch, unless
          an arrival fills it);
        * changes over a break number at least ``sum_r max(0, B_r - O_r)``,
          with B_r the members back on r and O_r those who left from r (each
          person back on another desk adds one to one role and takes one
          from another), per group of the same people (:meth:`_break_groups`).

        A person-level roster gives these splits their true values, so the
        least total over splits is a valid lower bound of its desk changes
        and ``roster_gap`` stays honest. The bound that counted only rises
        of a count (less arrivals) missed the seats refilled by a switch: on
        jiangdong it saw 10 of the 55 desk changes role assignment then made.
        """
        weight = self.branch.objective.role_change_weight
        if not weight:
            return
        m = self.model
        for c, members in self.classes.items():
            if len(c) < 2:
                continue
            roles = sorted(c)
            tag = "+".join(roles)
            for d, day in enumerate(self.days):
                arrive, leave = self._role_splits(c, d)
                for s in range(1, len(day.slots)):
                    switches = []
                    for r in roles:
                        fresh = sum(split.get(r, 0) for split in arrive[s].values())
                        switch = m.NewIntVar(0, len(members), f"switch_{tag}_{d}_{s}_{r}")
                        m.Add(switch >= self._starters(c, d, s, r, leave) - fresh)
                        switches.append(switch)
                    self.penalty(sum(switches), weight, ROLE_CHANGES)
                for k, (lefts, backs) in enumerate(self._break_groups(c, d, arrive, leave)):
                    for r in roles:
                        over_break = m.NewIntVar(0, len(members), f"over_break_{tag}_{d}_{k}_{r}")
                        m.Add(over_break >= sum(b[r] for b in backs) - sum(o[r] for o in lefts))
                        self.penalty(over_break, weight, ROLE_CHANGES)

    def _break_groups(self, c: frozenset, d: int, arrive: list, leave: list) -> list[tuple[list, list]]:
        """Groups of (role splits of those leaving for a break, of those coming back) that are the same people.

        Every shift template of the branch has one lunch of the same length,
        so the members back from lunch at slot v are exactly those who left
        after the slot :func:`~staffline.optimizer.core.templates.lunch_pairs`
        pairs with v: one group per lunch, and a person back on another desk
        than they left changes desk. Why per lunch: the whole day as one
        group let a counter person back on lobby at 13:30 cancel against a
        lobby person back on counter at 14:00, two desk changes the bound did
        not see. Where lunches do not pair one to one, the whole day is one
        group, as before.
        """
        left = {u: leave[u]["ot"] for u in range(len(leave)) if "ot" in leave[u]}
        back = {v: arrive[v]["bk"] for v in range(len(arrive)) if "bk" in arrive[v]}
        if not left or not back:
            return []
        pairs = lunch_pairs(self.days[d].templates)
        if pairs is None:
            return [(list(left.values()), list(back.values()))]
        return [([split], [back[pairs[u]]]) for u, split in left.items() if pairs.get(u) in back]

    def _role_splits(self, c: frozenset, d: int) -> tuple[list, list]:
        """Per slot of day d, class c's arrivals (``st`` shift starts, ``bk`` back from a break) and leavers (``fin``, ``ot``) split by role.

        Built once per class and day: the role-block cuts and the desk-change
        bound both read them.
        """
        if (c, d) not in self._splits:
            events = self._part_events(c, d)
            slots = range(len(self.days[d].slots))
            arrive = [self._split_by_role(c, d, s, {"st": events["first"][s], "bk": events["back"][s]}) for s in slots]
            leave = [self._split_by_role(c, d, s, {"fin": events["last"][s], "ot": events["leave"][s]}) for s in slots]
            self._splits[c, d] = (arrive, leave)
        return self._splits[c, d]

    def _split_by_role(self, c: frozenset, d: int, s: int, counts: dict[str, object]) -> dict[str, dict[str, object]]:
        """Disjoint groups of class c's members at slot s (``counts``: name -> how many) split by the role they hold there.

        Each group's parts sum to its count, and all groups on role r fit in
        ``y[c, d, s, r]``. Groups that are empty for sure are left out.
        """
        m, roles = self.model, sorted(c)
        most = len(self.classes[c])
        out: dict[str, dict[str, object]] = {}
        for what, count in counts.items():
            if isinstance(count, int) and count == 0:
                continue
            parts = {r: m.NewIntVar(0, most, f"{what}_{'+'.join(roles)}_{d}_{s}_{r}") for r in roles}
            m.Add(sum(parts.values()) == count)
            out[what] = parts
        if len(out) > 1:
            for r in roles:
                m.Add(sum(parts[r] for parts in out.values()) <= self.y[c, d, s, r])
        elif out:
            for r, var in next(iter(out.values())).items():
                m.Add(var <= self.y[c, d, s, r])
        return out

    def _part_events(self, c: frozenset, d: int) -> dict[str, list]:
        """Per slot of day d, class c's members who start their shift there (``first``), end it there (``last``), come back from a break there (``back``) or leave for one after it (``leave``)."""
        if (c, d) in self._events:
            return self._events[c, d]
        members, day = self.classes[c], self.days[d]
        events: dict[str, dict[int, list]] = {k: defaultdict(list) for k in ("first", "last", "back", "leave")}
        for i in members:
            for t, var in self.x[i, d].items():
                parts = day.templates[t].parts
                events["first"][parts[0][0]].append(var)
                events["last"][parts[-1][-1]].append(var)
                for before, after in zip(parts, parts[1:]):
                    events["leave"][before[-1]].append(var)
                    events["back"][after[0]].append(var)
        name = "+".join(sorted(c))
        self._events[c, d] = {
            what: [self._count_of(per_slot.get(u, []), len(members), f"{what}_{name}_{d}_{u}") for u in range(len(day.slots))]
            for what, per_slot in events.items()
        }
        return self._events[c, d]

    def _count_of(self, variables: list, most: int, name: str):
        """An integer equal to the sum of ``variables`` (0 when there are none): one short term for many."""
        if not variables:
            return 0
        count = self.model.NewIntVar(0, most, name)
        self.model.Add(self.total(variables) == count)
        return count

    # ----- what rules use ---------------------------------------------------
    def on_duty(self, d: int, s: int):
        return sum(self.class_on[c, d, s] for c in self.classes)

    def shift_cost(self, i: int, d: int, t: int) -> float:
        return self.days[d].templates[t].paid_minutes / 60 * self.employees[i].contract.cost_per_hour

    def cost_expr(self, i: int):
        """Labour cost of employee i in currency, with integer coefficients (cents)."""
        return self.total(
            [int(round(self.shift_cost(i, d, t) * 100)) * var for d in range(len(self.days)) for t, var in self.x[i, d].items()]
        )

    # ----- objective ---------------------------------------------------------
    def wait_values(self, d: int, waits: WaitData | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per role on day d: (objective value of n staff per slot as int[slot, n + 1], busy advisors per slot).

        The wait curve in objective units (customer-minutes x weight x SCALE),
        shared by the roster model and by role assignment, so persons get the
        roles that matter most for the objective the roster was solved for.
        ``waits`` values other curves (intraday's candidate demands) in the
        same units; by default the model's own.
        """
        waits = self.waits if waits is None else waits
        weight = self.branch.objective.wait_per_customer_minute
        out = {}
        for r, per_day in waits.curves.items():
            if d not in per_day:
                continue
            curves = per_day[d]
            busy = waits.busy.get(r, {}).get(d)
            out[r] = (
                np.round(curves * weight * SCALE).astype(np.int64),
                np.zeros(curves.shape[0], dtype=np.int64) if busy is None else np.asarray(busy, dtype=np.int64),
            )
        return out

    def build_objective(self) -> None:
        """Wait (tangent cuts) + weighted labour cost + soft penalties, all scaled to integers."""
        m, obj = self.model, []
        weights = self.branch.objective
        self.wait_terms: dict[str, list] = defaultdict(list)
        self.wait_vars: dict[tuple[str, int, int], cp_model.IntVar] = {}  # (role, day, slot) -> its wait term (where not zero)
        for d in range(len(self.days)):
            for r, (values, busy) in self.wait_values(d).items():
                for s in range(values.shape[0]):
                    w = add_wait_cuts(m, values[s], self.n[r, d, s] - int(busy[s]), f"w_{r}_{d}_{s}")
                    if w is not None:
                        obj.append(w)
                        self.wait_terms[r].append(w)
                        self.wait_vars[r, d, s] = w
        cost_coef = weights.cost_weight * SCALE
        self.cost_terms = []
        for i in range(len(self.employees)):
            for d in range(len(self.days)):
                for t, var in self.x[i, d].items():
                    coef = int(round(self.shift_cost(i, d, t) * cost_coef))
                    if coef:
                        obj.append(coef * var)
                        self.cost_terms.append((coef, var))
        obj.extend(self.penalty_terms())
        m.Minimize(self.total(obj))


def add_wait_cuts(model, values: np.ndarray, load, name: str):
    """``w >= W(k) + (W(k+1) - W(k)) (load - k)`` for every k: the convex curve, exact at integers.

    ``values`` = W(0..n) as integers, ``load`` = free staff (an expression).
    Returns the new variable w, or None when the curve is zero (no term).

    Where the curve ends in a constant tail (in practice the rounded wait
    reaching 0), every cut of the tail is the same ``w >= W(n)``, so it is
    added once: with curves up to every certified person (300 at 300 staff)
    those copies were most of the model's rows.
    """
    if values.max() == 0:
        return None
    w = model.NewIntVar(0, int(values.max()), name)
    slope = None
    for k in range(len(values) - 1):
        if values[k + 1] - values[k] == slope:
            continue  # the same line as the previous tangent (a straight stretch, or the flat tail): the same row
        slope = values[k + 1] - values[k]
        model.Add(w >= int(values[k]) + int(slope) * (load - k))
    return w


def plan_days(instance: Instance, week_start: dt.date, weeks: int = 1) -> list[DayGrid]:
    """The days of the plan (``weeks`` x 7 from the Monday ``week_start``) with their slots and templates."""
    days = []
    for k in range(7 * weeks):
        date = week_start + dt.timedelta(days=k)
        days.append(DayGrid(date, instance.branch.slots(date), build_templates(instance.branch, date)))
    return days
