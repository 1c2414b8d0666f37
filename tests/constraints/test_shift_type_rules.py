"""ForbiddenSuccession on the shared shift core: what it forbids, and nothing more."""

import datetime as dt

import pytest
from ortools.sat.python import cp_model

from staffline.constraints.shift_type_rules import ForbiddenSuccession
from staffline.curtois.model import FIRST_MONDAY, ShiftType
from staffline.model import Employee
from staffline.optimizer.core.branch_model import DayGrid
from staffline.optimizer.core.shift_model import ShiftModel


def feasible(pairs, worked: dict[int, str]) -> bool:
    """Whether one employee over two days may work ``worked`` (day -> shift id, other days off) under ``pairs``."""
    templates = [ShiftType("E", 480), ShiftType("D", 480)]
    grid = [DayGrid(FIRST_MONDAY + dt.timedelta(days=d), [], templates) for d in range(2)]
    b = ShiftModel([Employee("A", "A", ())], grid)
    b.add_rules([ForbiddenSuccession("successions", employee=0, pairs=pairs)])
    for d in range(2):
        for t, var in b.x[0, d].items():
            b.model.Add(var == int(worked.get(d) == templates[t].id))
    return cp_model.CpSolver().Solve(b.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


@pytest.mark.parametrize("pairs", [(("E", "D"),), (("E", "D"), ("E", "D"))])
def test_a_forbidden_succession_forbids_the_pair_only_even_when_listed_twice(pairs):
    assert not feasible(pairs, {0: "E", 1: "D"})
    assert feasible(pairs, {1: "D"})  # the successor alone (a pair listed twice once made it count double)
    assert feasible(pairs, {0: "E"})
    assert feasible(pairs, {0: "D", 1: "E"})
