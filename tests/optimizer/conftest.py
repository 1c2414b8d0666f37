"""Fixtures of the roster tests; the branch builders live in tests/optimizer/branches.py."""

import pytest

from tests.optimizer.branches import published_roster, small_branch


@pytest.fixture
def branch5():
    return small_branch()


@pytest.fixture(scope="session")
def small_published():
    """(small_branch(), published_roster of it): the quick plan re-planning and intraday tests start from, made once (CI time)."""
    branch = small_branch()
    return branch, published_roster(branch)
