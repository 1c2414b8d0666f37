"""A search stops once its roster is close enough to a bound proven elsewhere (CBC's, in the portfolio)."""

import random
from types import SimpleNamespace

from ortools.sat.python import cp_model

from staffline.optimizer.core.cpsat_backend import GOOD_ENOUGH_GAP, close_enough, solve_model


def toy():
    """A subset-sum-like cover (weight 900 to 903 at least cost): CP-SAT improves on its first roster a few times."""
    rng = random.Random(7)
    weights = [rng.randint(10, 60) for _ in range(60)]
    costs = [rng.randint(500, 3000) for _ in range(60)]
    m = cp_model.CpModel()
    x = [m.NewBoolVar(f"x{i}") for i in range(60)]
    total = sum(w * v for w, v in zip(weights, x))
    m.Add(total >= 900)
    m.Add(total <= 903)
    m.Minimize(sum(c * v for c, v in zip(costs, x)))
    return SimpleNamespace(model=m)


def test_close_enough_is_relative_to_the_objective():
    assert close_enough(1000.0, 1000.0 * (1 - GOOD_ENOUGH_GAP))
    assert not close_enough(1000.0, 990.0)
    assert close_enough(0.0, 0.0)


def test_a_known_bound_stops_the_search_at_a_close_enough_roster_and_only_then():
    found = []
    plain, status = solve_model(toy(), 20, 1, 0, progress=lambda t, objective, bound: found.append(objective))
    assert status == cp_model.OPTIMAL and len(found) > 1  # the search improves on its first roster: the stop is visible
    optimum = plain.ObjectiveValue()
    solver, status = solve_model(toy(), 20, 1, 0, known_bound=optimum)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert close_enough(solver.ObjectiveValue(), optimum)  # never stops further from the bound than the gap
    first = []
    stopped, status = solve_model(toy(), 20, 1, 0, progress=lambda t, objective, bound: first.append(objective), known_bound=10**12)
    assert status == cp_model.FEASIBLE and len(first) == 1 and stopped.ObjectiveValue() > optimum  # a bound above every roster
