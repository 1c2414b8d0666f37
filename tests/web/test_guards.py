"""Deleting plans, the queue and body limits, re-plan checks and the branch cache: no solver runs here.

The app is used without its lifespan, so its scheduler never starts: queued
plans stay queued, and a plan is made "done" by writing its row and files as
a worker would.
"""

from __future__ import annotations

import os
import shutil

import pytest
from fastapi.testclient import TestClient

from staffline.errors import InputError
from staffline.web import create_app
from staffline.web.app import MAX_QUEUED
from staffline.web.branches import BranchCache
from staffline.web.jobs import plan_folder

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WEEK = "2026-11-30"


@pytest.fixture
def idle(served, tmp_path):
    """A workbench whose scheduler does not run (no lifespan), on its own database."""
    return TestClient(create_app(served, db_url=f"sqlite:///{tmp_path / 'plans.db'}", max_queued=3, max_body=2000))


def done_plan(client, served, what_if: dict | None = None) -> str:
    """A finished plan of north with one file in its folder, as a worker leaves it."""
    store = client.app.state.store
    plan_id = store.create("north", "hash", {"what_if": what_if or {}}, week=WEEK)
    assert store.transition(plan_id, ("queued",), "running") and store.transition(plan_id, ("running",), "done", files=["roster.csv"])
    folder = plan_folder(served, plan_id)
    folder.mkdir(parents=True)
    (folder / "roster.csv").write_text("employee,date,start,end,role\nE01,2026-11-30,09:00,13:00,counter\n")
    return plan_id


def test_delete_cancels_an_active_plan_and_removes_a_finished_one(idle, served):
    queued = idle.post("/api/branches/north/plans", json={}).json()["id"]
    assert idle.delete(f"/api/plans/{queued}").json() == {"id": queued, "status": "cancelled"}
    assert idle.delete(f"/api/plans/{queued}").json() == {"id": queued, "status": "deleted"}
    assert idle.get(f"/api/plans/{queued}").status_code == 404 and idle.delete(f"/api/plans/{queued}").status_code == 404
    done = done_plan(idle, served)
    assert plan_folder(served, done).is_dir()
    assert idle.delete(f"/api/plans/{done}").json() == {"id": done, "status": "deleted"}
    assert not plan_folder(served, done).exists() and done not in {p["id"] for p in idle.get("/api/plans").json()}
    for hostile in ("..%2F..%2Fsecret", "0123456789ab", "%2e%2e"):
        assert idle.delete(f"/api/plans/{hostile}").status_code == 404
    assert (served.parent / "secret" / "staff.csv").is_file()


def test_a_published_plan_and_the_parent_of_a_waiting_replan_are_kept(idle, served):
    published = done_plan(idle, served)
    out = idle.post(f"/api/plans/{published}/publish").json()
    refused = idle.delete(f"/api/plans/{published}")
    assert refused.status_code == 409 and "published" in refused.json()["error"]
    assert all((served / f).is_file() for f in out["files"]) and plan_folder(served, published).is_dir()
    parent = done_plan(idle, served)
    child = idle.post(f"/api/plans/{parent}/replan", json={}).json()["id"]
    refused = idle.delete(f"/api/plans/{parent}")
    assert refused.status_code == 409 and "re-plan" in refused.json()["error"]
    idle.delete(f"/api/plans/{child}")  # cancelled: nothing reads the parent any more
    assert idle.delete(f"/api/plans/{parent}").json()["status"] == "deleted"


def test_a_full_queue_is_429_for_plans_and_replans(idle, served):
    parent = done_plan(idle, served)
    for _ in range(3):
        assert idle.post("/api/branches/north/plans", json={}).status_code == 202
    for response in (idle.post("/api/branches/south/plans", json={}), idle.post(f"/api/plans/{parent}/replan", json={})):
        assert response.status_code == 429 and "3 plans are already waiting" in response.json()["error"]
        assert response.headers["retry-after"] == "30"
    queued = [p["id"] for p in idle.get("/api/plans").json() if p["status"] == "queued"]
    idle.delete(f"/api/plans/{queued[0]}")
    assert idle.post("/api/branches/south/plans", json={}).status_code == 202


def test_a_huge_body_is_413_whether_declared_or_streamed(idle):
    huge = b'{"absences": [' + b",".join([b'{"employee": "E01", "date": "2026-12-02"}'] * 100) + b"]}"
    declared = idle.post("/api/branches/north/plans", content=huge, headers={"content-type": "application/json"})
    assert declared.status_code == 413 and "at most 2000 bytes" in declared.json()["error"]
    streamed = idle.post(
        "/api/branches/north/plans", content=iter([huge[:1500], huge[1500:]]), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413 and streamed.json()["error"].startswith("request body too large")
    assert idle.get("/api/plans").json() == []  # nothing was queued
    small = idle.post("/api/branches/north/plans", content=huge[:1000], headers={"content-type": "application/json"})
    assert small.status_code == 422  # within the limit, the cut JSON reaches the app and is refused there


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"absences": [{"employee": "E01", "date": "2026-12-07"}]}, 400, "date"),  # the next week
        ({"pins": [{"employee": "E99", "date": "2026-12-02"}]}, 400, "employee"),
        ({"absences": [{"employee": "E01", "date": "2026-12-02"}], "pins": [{"employee": "E01", "date": "2026-12-02"}]}, 400, "date"),
        ({"frozen_until": "2026-12-09T12:00"}, 400, "frozen_until"),
        ({"frozen_until": "2026-12-02T12:00+01:00"}, 422, "frozen_until"),  # local time only: a zone is ambiguous
        ({"frozen_until": "Wednesday noon"}, 422, "frozen_until"),
        ({"simulate": -1}, 422, "simulate"),
    ],
)
def test_replan_requests_outside_the_week_or_contradictory_are_refused(idle, served, body, status, field):
    parent = done_plan(idle, served)
    response = idle.post(f"/api/plans/{parent}/replan", json=body)
    assert response.status_code == status, response.text
    assert field in {p["field"] for p in response.json()["problems"]}
    assert [p["id"] for p in idle.get("/api/plans").json()] == [parent]


def test_a_replan_carries_the_parent_s_what_ifs(idle, served):
    what_if = {"headcount": 3, "certify": None, "divert": {"counter": 0.1}, "model": "profile"}
    parent = done_plan(idle, served, what_if)
    child = idle.post(f"/api/plans/{parent}/replan", json={"frozen_until": "2026-12-02T12:00"}).json()["id"]
    options = idle.get(f"/api/plans/{child}").json()["options"]
    assert options["what_if"] == what_if and options["frozen_until"] == "2026-12-02T12:00:00" and options["simulate"] == 20


def test_branches_are_loaded_again_only_when_a_file_changed(served, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(served / "north", root / "north")
    cache = BranchCache(root)
    first = cache.load("north")
    assert cache.load("north") is first  # unchanged: not read again
    staff = root / "north" / "staff.csv"
    stat = staff.stat()
    os.utime(staff, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = cache.load("north")
    assert second is not first and second == first  # touched: read again
    good = staff.read_text()
    staff.write_text(good.replace("E01", "E02", 1))  # a duplicate id: bad inputs, not cached
    for _ in range(2):
        with pytest.raises(InputError):
            cache.load("north")
    staff.write_text(good)
    third = cache.load("north")
    assert third == first and cache.load("north") is third
    (root / "north" / "notes.txt").write_text("x")  # a new file in the folder counts too
    assert cache.load("north") is not third


def test_serve_s_queue_default_is_the_app_s():
    from staffline.cli.serve import serve

    assert next(p.default for p in serve.params if p.name == "max_queued") == MAX_QUEUED
