"""Fixtures of the roster tests; the branch builders live in tests/optimizer/branches.py."""

import pytest

from tests.optimizer.branches import small_branch


@pytest.fixture
def branch5():
    return small_branch()
