"""A served folder of small generated branches, and helpers to wait for plans, shared by the workbench tests."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from staffline.io import write_instance
from staffline.synthetic import generate_instance

QUICK = {"time_limit": 3, "workers": 1, "what_if": {"model": "profile"}}  # one worker: deterministic time, so busy CI finds the same roster


@pytest.fixture(scope="package")
def served(tmp_path_factory) -> Path:
    """``served/`` with branches north and south (valid), broken (bad staff.csv), and ``secret/`` beside it (outside DIR)."""
    base = tmp_path_factory.mktemp("workbench")
    root = base / "served"
    write_instance(generate_instance(4, 1, weeks=3, seed=1), root / "north")  # small: plans finish fast
    write_instance(generate_instance(4, 1, weeks=3, seed=2), root / "south")
    write_instance(generate_instance(5, 2, weeks=3, seed=3), root / "broken")
    staff = root / "broken" / "staff.csv"
    lines = staff.read_text().splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("max_days")] = "many"
    staff.write_text("\n".join([lines[0], ",".join(bad), *lines[2:]]) + "\n")
    write_instance(generate_instance(5, 2, weeks=3, seed=4), base / "secret")
    (root / "link").symlink_to(base / "secret")
    return root


def wait_for(client, plan_id: str, until: tuple[str, ...], timeout: float = 60.0) -> dict:
    """Poll the plan until its status is in ``until``; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        plan = client.get(f"/api/plans/{plan_id}").json()
        if plan["status"] in until:
            return plan
        if plan["status"] in ("done", "failed", "cancelled"):
            raise AssertionError(f"plan {plan_id} ended {plan['status']}: {plan.get('error')}")
        time.sleep(0.1)
    raise AssertionError(f"plan {plan_id} still {plan['status']} after {timeout} s")
