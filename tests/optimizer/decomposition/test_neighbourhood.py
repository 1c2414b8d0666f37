"""The search near the root LP (one objective step per employee) beside the polish: its rosters, its proofs, its failures."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from staffline.curtois.check import check_curtois
from staffline.curtois.model import _assignment, _rules, shift_ids, solve_curtois
from staffline.curtois.reader import read_curtois
from staffline.optimizer.core.cpsat_backend import solve_model
from staffline.optimizer.core.shift_model import SCALE
from staffline.optimizer.decomposition import neighbourhood
from staffline.optimizer.decomposition.column_generation import Deadline
from staffline.optimizer.decomposition.engine import _neighbourhood_outcome, _start_neighbourhood
from staffline.optimizer.decomposition.gap_search import root_prices, schedules_within
from staffline.optimizer.decomposition.neighbourhood import NeighbourhoodSearch
from tests.optimizer.decomposition.test_column_generation import _root as converged_master
from tests.paths import CURTOIS

needs_shared = pytest.mark.skipif(not (CURTOIS / "Instance1.txt").exists(), reason="shared Curtois files not present")


def _converged_root(name: str):
    """(instance, rules, model, cover rows, root prices) once the root LP has converged."""
    b, _, pricers, master = converged_master(name)
    with ThreadPoolExecutor(2) as pool:
        root = root_prices(master, pricers, master.solve(), Deadline(float("inf")), pool)
    inst = read_curtois(CURTOIS / f"{name}.txt")
    return inst, _rules(inst), b, master.covers, root


def _first_cpsat_roster(b) -> tuple[list[int], int]:
    """(solution, objective) of CP-SAT's first roster on one worker: on Instance3 dearer than the optimum 1001."""
    solver, _ = solve_model(b, 1, 1, 0)
    return list(solver.response_proto.solution), int(round(solver.ObjectiveValue()))


def _searched(b, rules, covers, root, incumbent: float, step: float = 1.0) -> NeighbourhoodSearch:
    search = NeighbourhoodSearch(b, rules, covers, root, incumbent, step, Deadline(time.perf_counter() + 60))
    search.run()  # in this thread: the test waits for it anyway
    return search


@needs_shared
def test_its_roster_beats_the_incumbent_keeps_every_schedule_in_its_band_and_passes_the_referee():
    inst, rules, b, covers, root = _converged_root("Instance3")
    search = _searched(b, rules, covers, root, incumbent=1010.0)
    shifts, value = search.roster()
    assert value <= 1009 and search.result.stats["whole_gap"] is False  # a band of 1 of a gap of 8: a neighbourhood
    check = check_curtois(inst, shift_ids(b, shifts))
    assert check.violations == [] and check.objective == value
    for pricer, cheapest in zip(root.pricers, root.cheapest):
        schedule = tuple(shifts.get((pricer.employee, d), -1) for d in range(len(b.days)))
        assert schedule in schedules_within(pricer, root.duals, cheapest, 1.0, 100_000)


@needs_shared
def test_only_a_band_that_holds_the_whole_gap_proves_the_incumbent_optimal():
    _, rules, b, covers, root = _converged_root("Instance1")  # root LP 558, optimum 607
    narrow = _searched(b, rules, covers, root, incumbent=607.0)  # a band of 1 of a gap of 48: its "none" proves nothing
    assert narrow.roster() is None and narrow.result.status == "none" and not narrow.proves_incumbent()
    wide = _searched(b, rules, covers, root, incumbent=607.0, step=50.0)  # nothing at or below 557 < L: proved
    assert wide.result.status == "none" and wide.proves_incumbent()


@needs_shared
def test_an_employee_with_too_many_schedules_in_its_band_skips_the_search(monkeypatch):
    monkeypatch.setattr(neighbourhood, "MAX_SCHEDULES", 1)
    _, rules, b, covers, root = _converged_root("Instance3")
    search = _searched(b, rules, covers, root, incumbent=1010.0)
    assert search.roster() is None and not search.proves_incumbent()
    assert "more than 1 schedules within the gap" in search.summary()["skipped"]


def _broken(*_, **__):
    raise RuntimeError("no CBC on this machine")


@needs_shared
def test_a_failing_search_leaves_the_incumbent_and_its_bound_and_says_why(monkeypatch):
    monkeypatch.setattr(neighbourhood, "search_below", _broken)
    _, rules, b, covers, root = _converged_root("Instance3")
    first = _first_cpsat_roster(b)  # dearer than the optimum 1001, so the search would have a gap
    searches: list[NeighbourhoodSearch] = []
    _start_neighbourhood(searches, b, rules, covers, root, first[1] / SCALE, Deadline(time.perf_counter() + 600))
    assert len(searches) == 1
    info: dict = {}
    assert _neighbourhood_outcome(b, searches[0], *first, 900.0, 0, info) == (*first, 900.0)
    assert info["neighbourhood"] == {"skipped": "RuntimeError: no CBC on this machine"}


@needs_shared
def test_a_failing_search_costs_only_its_own_improvement(monkeypatch):
    """The whole solve with a search that fails: its roster stands.

    The search starts after the first dive if at least 3 s are left before
    the limit's last 2 s. Instance6 on one core: root converged in 1.2 s,
    first dive done by 2.3 s, so a 15 s limit leaves that start a 4x margin
    (Instance7 at 12 s, as before, had 1.4x: 5 s of a 7 s window).
    """
    monkeypatch.setattr(neighbourhood, "search_below", _broken)
    inst = read_curtois(CURTOIS / "Instance6.txt")
    result = solve_curtois(inst, time_limit=15, workers=2)
    assert result.details["neighbourhood"] == {"skipped": "RuntimeError: no CBC on this machine"}
    assert result.status in ("optimal", "feasible") and result.objective >= 1950  # 1950: proved optimal
    assert check_curtois(inst, result.assignment).objective == result.objective


@needs_shared
def test_the_searchs_roster_replaces_a_dearer_one_and_its_proof_raises_the_bound():
    inst, rules, b, covers, root = _converged_root("Instance3")
    first = _first_cpsat_roster(b)
    assert first[1] > 1001 * SCALE
    search = NeighbourhoodSearch(b, rules, covers, root, first[1] / SCALE, 1.0, Deadline(time.perf_counter() + 60))
    search.start()
    info: dict = {}
    solution, objective, bound = _neighbourhood_outcome(b, search, *first, 0.0, 0, info)
    assert objective == 1001 * SCALE and info["neighbourhood"]["status"] == "found" and bound == 0.0
    assert check_curtois(inst, _assignment(b, lambda var: solution[var.Index()])).objective == 1001
    proof = NeighbourhoodSearch(b, rules, covers, root, 1001.0, 1.0, Deadline(time.perf_counter() + 60))
    proof.start()
    assert _neighbourhood_outcome(b, proof, solution, objective, 0.0, 0, info) == (solution, objective, 1001.0)


@needs_shared
def test_a_roster_already_proved_optimal_stops_the_search_instead_of_waiting_for_it():
    _, rules, b, covers, root = _converged_root("Instance7")
    search = NeighbourhoodSearch(b, rules, covers, root, 1066.0, 1.0, Deadline(time.perf_counter() + 600))
    search.start()  # left alone it finds 1056 (about 30 s of CBC)
    info: dict = {}
    proved = ([0], 1056 * SCALE, 1056.0)  # a roster on its bound's grid point
    assert _neighbourhood_outcome(b, search, *proved, 0, info) == proved
    assert info["neighbourhood"]["status"] == "unknown" and not search.is_alive()
