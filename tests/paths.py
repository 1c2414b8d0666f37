"""Where the tests find the repository, its test data and the shared public data.

One place for these paths, so that moving a test file deeper never breaks its
``Path(__file__).parents[n]`` arithmetic. ``shared/`` sits beside the clone
(``../shared``), as on the CI machine.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
SHARED = REPO.parent / "shared"
CURTOIS = SHARED / "benchmarks" / "curtois"
BANK_CALLS = SHARED / "data" / "bank_calls"
