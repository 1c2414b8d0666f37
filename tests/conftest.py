"""Test configuration: plain `pytest` runs the fast suite; `--slow` adds the rest.

`make test` (and so CI) passes `--slow`, so slow tests always run there. A
property test marked `quick_twin` is the fast suite's few examples of a
property whose `slow` twin runs many: with `--slow` only the twin runs (CI
time), so the property is never checked twice over.

Forecast fits kept between runs (staffline/forecasting/fit_store.py) go to
a folder of this session, never the user's cache: every session starts
cold, and the CLI runs the tests start share what an earlier one fitted,
as a planner's runs do.
"""

import os
import shutil
import tempfile

import pytest

from tests.library_guide import FirstBlock, run_first_block

SESSION_CACHE = tempfile.mkdtemp(prefix="staffline-test-cache-")
os.environ["STAFFLINE_CACHE_DIR"] = SESSION_CACHE  # inherited by the CLI processes tests start


def pytest_unconfigure(config):
    shutil.rmtree(SESSION_CACHE, ignore_errors=True)


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False, help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        twin = pytest.mark.skip(reason="its slow twin runs more examples of the same property")
        for item in items:
            if "quick_twin" in item.keywords:
                item.add_marker(twin)
        return
    skip = pytest.mark.skip(reason="slow test: run with --slow (make test does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def library_guide_first_block(tmp_path_factory) -> FirstBlock:
    """docs/guide/library.md's first block (README's library lines), run once: the guide test and the jiangdong roster test check its plan."""
    return run_first_block(tmp_path_factory.mktemp("library-guide"))


@pytest.fixture(scope="session")
def small_plan():
    """(small_branch(), its plan with 5 s on one worker, seed 0): made once for the tests that check that plan (CI time).

    One worker runs on deterministic time, so every test that asked for this
    plan itself got this very roster.
    """
    from staffline.pipeline import plan
    from tests.optimizer.branches import small_branch

    branch = small_branch()
    return branch, plan(branch, time_limit=5, workers=1, seed=0)


@pytest.fixture(scope="session")
def small_quick_plan():
    """(small_branch(), quick_plan of it): made once for the tests that each asked for this same one-worker plan (CI time).

    Re-planning and intraday tests start from its roster; the forecast-model
    test checks its profile forecast.
    """
    from tests.optimizer.branches import quick_plan, small_branch

    branch = small_branch()
    return branch, quick_plan(branch)
