"""The plan store on embedded SQLite and on PostgreSQL (``--db``): the same guarded status changes on both."""

from __future__ import annotations

import pytest

from staffline.web.store import Store
from tests.pg_server import postgres_url  # noqa: F401  (session fixture)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'plans.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    s = Store(url)
    yield s
    s.engine.dispose()


def test_status_changes_are_guarded_and_progress_only_lands_while_running(store):
    plan_id = store.create("north", "abc", {"time_limit": 3}, week=None)
    assert store.get(plan_id)["status"] == "queued" and [r["id"] for r in store.queued()] == [plan_id]
    store.add_progress(plan_id, {"t": 0.1, "objective": 9.0, "bound": 1.0})
    assert store.get(plan_id)["progress"] == []  # not running yet
    assert store.transition(plan_id, ("queued",), "running")
    store.add_progress(plan_id, {"t": 0.5, "objective": 5.0, "bound": 2.0})
    assert store.transition(plan_id, ("running",), "cancelled", error="cancelled while running")
    # a late write from the ended worker changes nothing
    assert not store.transition(plan_id, ("running",), "done", kpis={"objective": 5.0})
    store.add_progress(plan_id, {"t": 0.9, "objective": 4.0, "bound": 2.0})
    row = store.get(plan_id)
    assert row["status"] == "cancelled" and row["kpis"] is None and row["progress"] == [{"t": 0.5, "objective": 5.0, "bound": 2.0}]
    assert row["started"] and row["finished"]


def test_fail_running_marks_only_running_plans(store):
    ids = [store.create(b, "h", {}, week="2026-11-30") for b in ("a", "b", "c")]
    store.transition(ids[0], ("queued",), "running")
    store.transition(ids[1], ("queued",), "running")
    store.transition(ids[1], ("running",), "done", files=["roster.csv"])
    failed = store.fail_running("restarted")  # the PostgreSQL database is the session's: other tests' rows may be there
    assert ids[0] in failed and ids[1] not in failed and ids[2] not in failed
    assert [store.get(i)["status"] for i in ids] == ["failed", "done", "queued"]
    assert store.get(ids[0])["error"] == "restarted" and store.get(ids[1])["files"] == ["roster.csv"]
    assert [r["id"] for r in store.list_plans("b")] == [ids[1]] and set(ids) <= {r["id"] for r in store.list_plans()}
