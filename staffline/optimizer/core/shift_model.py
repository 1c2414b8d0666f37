"""The shift-choice core shared by every roster model: who works which shift on which day.

Why a separate core: a branch roster (slots, roles, wait curves) and a
day x shift-type roster such as the Curtois-Qu benchmark share the same first
decision, ``x[e, d, t]`` = employee e works shift t of day d (at most one a
day), and the same way rules attach to it (named hard constraints that
diagnosis can switch off as a group, weighted soft penalties). Rules written
against this core (days worked, consecutive days, contract minutes,
availability, successions, cover of a shift) serve both models unchanged.

A day only needs ``templates``: objects with ``paid_minutes`` and
``fits(employee)``. The objective is integer: values are scaled by
:data:`SCALE` (hundredths of a value unit) and rounded.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from ortools.sat.python import cp_model

from staffline.model import Employee

SCALE = 100


class ShiftModel:
    """Shift-choice variables, named hard constraints and soft penalties."""

    def __init__(self, employees: Sequence[Employee], days: Sequence, diagnose: bool = False, model=None):
        self.employees: list[Employee] = list(employees)
        self.days = list(days)
        # CP-SAT unless told otherwise; the CBC backend's CbcModel offers the same calls
        self.model = model if model is not None else cp_model.CpModel()
        # long sums through the backend's own summation (Python's sum copies PuLP expressions: quadratic)
        self.total = getattr(self.model, "total", cp_model.LinearExpr.Sum)
        self.diagnose = diagnose
        self.rules: list = []
        self.rule_literals: dict[str, cp_model.IntVar] = {}
        self.penalties: dict[str, list[tuple[cp_model.LinearExpr, int]]] = defaultdict(list)
        self.spreads: dict[str, tuple] = {}  # a [fairness] rule's name -> its (most, least) count variables
        self.x: dict[tuple[int, int], dict[int, cp_model.IntVar]] = {}
        self.works: dict[tuple[int, int], cp_model.IntVar] = {}
        # what hard rules decide outright, for heuristics that pick shifts without the model (the greedy warm start):
        # (employee, day, template) a rule forbids, and (employee, day) -> the template a rule imposes (None = off)
        self.excluded: set[tuple[int, int, int]] = set()
        self.required: dict[tuple[int, int], int | None] = {}
        # (employee, day) -> the template a soft rule would rather keep (None = off): re-planning's published
        # roster, where the warm start begins instead of from greedy shifts
        self.preferred: dict[tuple[int, int], int | None] = {}
        m = self.model
        # day -> template id -> the day's template indices with that id (rules look shifts up by id a million
        # times while building Curtois Instance13; scanning the day's templates on each call was 40% of the build)
        self._by_type: list[dict[str, list[int]]] = []
        for day in self.days:
            by_type: dict[str, list[int]] = defaultdict(list)
            for t, tpl in enumerate(day.templates):
                by_type[tpl.id].append(t)
            self._by_type.append(dict(by_type))
        for i, e in enumerate(self.employees):
            for d, day in enumerate(self.days):
                options = {t: m.NewBoolVar(f"x_{e.id}_{d}_{t}") for t, tpl in enumerate(day.templates) if tpl.fits(e)}
                self.x[i, d] = options
                works = m.NewBoolVar(f"works_{e.id}_{d}")
                m.Add(self.total(list(options.values())) == works)
                self.works[i, d] = works

    # ----- what rules use ---------------------------------------------------
    def new_bool(self, name: str) -> cp_model.IntVar:
        return self.model.NewBoolVar(name)

    def new_int(self, lo: int, hi: int, name: str) -> cp_model.IntVar:
        return self.model.NewIntVar(lo, hi, name)

    def add(self, constraint, rule: str):
        """Add a hard constraint belonging to ``rule`` (switchable as a whole in diagnosis)."""
        ct = self.model.Add(constraint)
        if self.diagnose:
            lit = self.rule_literals.get(rule)
            if lit is None:
                lit = self.rule_literals[rule] = self.model.NewBoolVar(f"rule[{rule}]")
            ct.OnlyEnforceIf(lit)
        return ct

    def penalty(self, expr, weight: float, rule: str) -> None:
        """Soft term: ``weight x expr`` value units in the objective, reported under ``rule``."""
        coef = int(round(weight * SCALE))
        if coef:
            self.penalties[rule].append((expr, coef))

    def add_rules(self, rules) -> None:
        for rule in rules:
            self.rules.append(rule)
            rule.add_to(self)

    def shifts_of_type(self, i: int, d: int, template_id: str) -> list[cp_model.IntVar]:
        """Employee i's variables on day d whose template has this id (empty when none fits)."""
        options = self.x[i, d]
        return [options[t] for t in self._by_type[d].get(template_id, ()) if t in options]

    def allowed(self, i: int, d: int) -> dict[int, cp_model.IntVar]:
        """Employee i's shift variables on day d that no rule has excluded outright (only the imposed one, if any)."""
        if (i, d) in self.required:
            t = self.required[i, d]
            return {} if t is None else {t: self.x[i, d][t]}
        return {t: var for t, var in self.x[i, d].items() if (i, d, t) not in self.excluded}

    def paid_minutes(self, i: int, days=None):
        """Employee i's paid minutes over ``days`` (day indices; None: every day of the model)."""
        days = range(len(self.days)) if days is None else days
        return self.total([self.days[d].templates[t].paid_minutes * var for d in days for t, var in self.x[i, d].items()])

    def with_shifts_fixed(self, chosen: dict[tuple[int, int], int]) -> cp_model.CpModel:
        """A copy of the model in which employee i works template ``chosen[i, d]`` on day d (absent = off).

        Solving it completes a roster into a value for every variable (a
        complete hint, or the roster a column-generation dive chose); variable indices are the same as
        in ``self.model``.
        """
        fixed = self.model.clone()
        proto = fixed.proto
        for (i, d), options in self.x.items():
            for t, var in options.items():
                value = int(chosen.get((i, d)) == t)
                domain = proto.variables[var.Index()].domain
                if len(domain) == 2 and domain[0] <= value <= domain[1]:
                    domain[0] = domain[1] = value
                else:  # a rule already fixed it the other way: keep the refusal visible
                    fixed.Add(fixed.get_int_var_from_proto_index(var.Index()) == value)
        return fixed

    def penalty_terms(self) -> list:
        return [coef * expr for terms in self.penalties.values() for expr, coef in terms]

    def penalty_values(self, solver: cp_model.CpSolver) -> dict[str, float]:
        """Penalty paid per rule name in the solution, in value units."""
        return {rule: sum(coef * solver.Value(expr) for expr, coef in terms) / SCALE for rule, terms in self.penalties.items()}
