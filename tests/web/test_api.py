"""The workbench's REST API end to end: real plans in worker processes, every endpoint and every error."""

from __future__ import annotations

import time

import psutil
import pytest
from fastapi.testclient import TestClient

from staffline.web import create_app
from tests.web.conftest import QUICK, wait_for

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def client(served):
    with TestClient(create_app(served, jobs=2)) as c:
        yield c


def worker_of(client, plan_id: str):
    """The worker process of a running plan (the store says running a moment before the scheduler records the process)."""
    deadline = time.monotonic() + 10
    while plan_id not in client.app.state.jobs.running and time.monotonic() < deadline:
        time.sleep(0.02)
    return client.app.state.jobs.running[plan_id][1]


def test_branches_lists_each_instance_folder_with_staff_and_roles(client):
    branches = {b["name"]: b for b in client.get("/api/branches").json()}
    assert set(branches) == {"north", "south", "broken"}  # not the symlink to a folder outside DIR, not .staffline
    assert branches["north"]["staff"] == 4 and branches["north"]["roles"] == {"counter": 4}
    assert branches["broken"]["staff"] is None
    assert any(p["file"].endswith("staff.csv") and p["field"] == "max_days" for p in branches["broken"]["problems"])
    one = client.get("/api/branches/north").json()
    assert [e["id"] for e in one["staff"]] == ["E01", "E02", "E03", "E04"] and one["week"]
    assert one["forecast_models"]["default"] == "auto" and "profile" in one["forecast_models"]["choices"]


def test_openapi_schema_and_page_and_assets_are_served_locally(client):
    schema = client.get("/openapi.json").json()
    assert {"/api/branches", "/api/branches/{name}/plans", "/api/plans/{plan_id}", "/api/plans/{plan_id}/replan"} <= set(schema["paths"])
    page = client.get("/").text
    assert "/static/app.js" in page and "http" not in page.replace("http://www.w3.org", "")  # no CDN or other host
    assert client.get("/static/app.js").status_code == 200 and client.get("/static/app.css").status_code == 200
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and "plotly" in plotly.text[:2000].lower()
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load its scripts from a CDN


@pytest.mark.parametrize(
    "path",
    [
        "/api/branches/nowhere",
        "/api/branches/link",  # a symlink to a folder outside DIR
        "/api/branches/.staffline",
        "/api/branches/%2E%2E",
        "/api/branches/..%2Fsecret",
        "/api/branches/%2e%2e%2fsecret",
        "/api/branches/..%5Csecret",
        "/api/branches/north%00",
        "/api/plans?branch=..",
        "/api/plans?branch=../secret",
        "/api/plans/0123456789ab",
        "/api/plans/..%2F..%2Fetc",
        "/api/plans/0123456789ab/roster",
    ],
)
def test_unknown_or_hostile_names_are_404_json(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "error" in response.json()


@pytest.mark.parametrize("name", ["nowhere", "..%2Fsecret", "%2e%2e", "link", ".staffline", "north%2F..%2F..%2Fsecret"])
def test_planning_an_unknown_or_hostile_branch_is_404_and_queues_nothing(client, name):
    before = len(client.get("/api/plans").json())
    response = client.post(f"/api/branches/{name}/plans", json=QUICK)
    assert response.status_code == 404, response.text
    assert len(client.get("/api/plans").json()) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_limit": "soon"}, "time_limit"),
        ({"time_limit": -1}, "time_limit"),
        ({"workers": 0}, "workers"),
        ({"week": "next week"}, "week"),
        ({"absences": [{"date": "2026-12-02"}]}, "absences.0.employee"),
        ({"absences": [{"employee": "E01", "date": "Wednesday"}]}, "absences.0.date"),
        ({"what_if": {"headcount": "lots"}}, "what_if.headcount"),
        ({"what_if": {"model": "crystal_ball"}}, "what_if.model"),
        ({"time_limt": 5}, "time_limt"),  # a typo is an error, not an ignored option
    ],
)
def test_malformed_body_is_422_naming_the_field(client, body, field):
    response = client.post("/api/branches/north/plans", json=body)
    assert response.status_code == 422
    assert field in [p["field"] for p in response.json()["problems"]] and field in response.json()["error"]


def test_body_that_is_not_json_is_422(client):
    response = client.post("/api/branches/north/plans", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["problems"]


def test_bad_branch_inputs_are_400_with_validate_problems(client):
    response = client.post("/api/branches/broken/plans", json=QUICK)
    assert response.status_code == 400
    problem = response.json()["problems"][0]
    assert problem["file"].endswith("staff.csv") and problem["row"] == 2 and problem["field"] == "max_days"
    assert client.get("/api/branches/broken").status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"absences": [{"employee": "E99", "date": "2026-12-02"}]},
        {"what_if": {"certify": {"E01": ["vault"]}}},
        {"what_if": {"divert": {"vault": 0.2}}},
        {"week": "2026-12-02"},  # a Wednesday
    ],
)
def test_requests_naming_what_the_branch_lacks_are_400(client, body):
    response = client.post("/api/branches/north/plans", json={**QUICK, **body})
    assert response.status_code == 400 and response.json()["problems"]


def test_plans_run_side_by_side_across_branches_queue_within_one_and_finish(client, served):
    first = client.post("/api/branches/north/plans", json=QUICK)
    other = client.post("/api/branches/south/plans", json={**QUICK, "simulate": 0, "absences": [{"employee": "E02", "date": "2026-12-02"}]})
    second = client.post("/api/branches/north/plans", json=QUICK)
    assert first.status_code == other.status_code == second.status_code == 202
    assert first.json()["status"] == "queued"
    a, b, c = (r.json()["id"] for r in (first, other, second))
    wait_for(client, a, ("running",))
    assert client.get(f"/api/plans/{c}").json()["status"] == "queued"  # same branch: waits for the first
    done_a, done_b = wait_for(client, a, ("done",)), wait_for(client, b, ("done",))
    assert done_b["started"] < done_a["finished"] and done_a["started"] < done_b["finished"]  # overlapped
    done_c = wait_for(client, c, ("done",))
    assert done_c["started"] >= done_a["finished"]
    # progress, KPIs and files of a finished plan
    assert done_a["progress"] and {"t", "objective", "bound", "gap"} <= set(done_a["progress"][0])
    assert done_a["kpis"]["status"] in ("optimal", "feasible") and done_a["inputs_hash"] and done_a["week"] == "2026-11-30"
    assert {"roster.csv", "kpis.json", "report.html", "roster.xlsx"} <= set(done_a["files"])
    roster = client.get(f"/api/plans/{a}/roster").json()
    assert set(roster[0]) == {"employee", "date", "start", "end", "role"} and roster[0]["start"].count(":") == 1
    csv = client.get(f"/api/plans/{a}/roster?format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.splitlines()[0] == "employee,date,start,end,role"
    assert len(csv.text.splitlines()) == len(roster) + 1
    assert client.get(f"/api/plans/{a}/roster?format=pdf").status_code == 422
    assert "<html" in client.get(f"/api/plans/{a}/files/report.html").text.lower()
    hourly = client.get(f"/api/plans/{a}/hourly").json()
    counter = hourly["roles"]["counter"]
    assert hourly["hours"][0].endswith(":00") and len(counter["arrivals"]) == len(hourly["hours"])
    assert all(
        lo <= mid <= hi for lo, mid, hi in zip(counter["arrivals_lo80"], counter["arrivals"], counter["arrivals_hi80"]) if mid is not None
    )
    assert max(counter["rostered"]) > 0 and max(counter["required"]) > 0 and min(w for w in counter["expected_wait"] if w is not None) >= 0
    # plans are simulated (a few replications by default): the simulated wait per hour sits beside the expected one
    assert "simulation.csv" in done_a["files"] and done_a["kpis"]["simulated"]["counter"]["reps"] == 20
    simulated = [w for w in counter["simulated_wait"] if w is not None]
    assert len(simulated) >= len(hourly["hours"]) - 1 and min(simulated) >= 0
    unsimulated = client.get(f"/api/plans/{b}").json()  # asked for "simulate": 0
    assert "simulation.csv" not in unsimulated["files"]
    assert all(w is None for w in client.get(f"/api/plans/{b}/hourly").json()["roles"]["counter"]["simulated_wait"])
    for name in ("../../secret/staff.csv", "plans.db", "..%2F..%2Fplans.db"):
        assert client.get(f"/api/plans/{a}/files/{name}").status_code == 404
    # the absence was honoured: E02 has no block on Wednesday in south's plan
    south = client.get(f"/api/plans/{b}/roster").json()
    assert south and not [r for r in south if r["employee"] == "E02" and r["date"] == "2026-12-02"]
    # listing, newest first, per branch
    listed = [p["id"] for p in client.get("/api/plans?branch=north").json()]
    assert listed.index(c) < listed.index(a) and b not in listed
    # publish: the same files in the branch's published folder; cancel after the end is refused
    published = client.post(f"/api/plans/{a}/publish")
    assert published.status_code == 200
    files = published.json()["files"]
    assert files and all((served / f).is_file() for f in files) and any(f.endswith("roster.csv") for f in files)
    assert (served / files[0]).parent.parent.name == "published" or "published" in files[0]
    assert client.get(f"/api/plans/{a}").json()["published"] == published.json()["folder"]
    kept = client.delete(f"/api/plans/{a}")  # a published plan is the record of the published set: never deleted
    assert kept.status_code == 409 and "published" in kept.json()["error"] and (served / files[0]).is_file()


def test_an_infeasible_week_fails_with_the_diagnosis_in_words(client):
    week = [f"2026-12-0{d}" for d in range(1, 6)] + ["2026-11-30"]
    body = {**QUICK, "absences": [{"employee": "E01", "date": day} for day in week]}
    plan = wait_for(client, client.post("/api/branches/north/plans", json=body).json()["id"], ("failed",))
    assert plan["error"].startswith("no roster:") and "E01" in plan["error"]
    assert plan["kpis"]["diagnosis"]["employees"] == ["E01"] and plan["files"] == []


@pytest.fixture(scope="module")
def replanned(client) -> dict:
    """A done plan of north and its done re-plan (one absent and one pinned person-day), shared by the re-plan tests."""
    parent = wait_for(client, client.post("/api/branches/north/plans", json=QUICK).json()["id"], ("done",))
    roster = client.get(f"/api/plans/{parent['id']}/roster").json()
    worked = sorted({(b["employee"], b["date"]) for b in roster})
    away, pinned = worked[0], worked[-1]
    body = {
        "absences": [{"employee": away[0], "date": away[1]}],
        "pins": [{"employee": pinned[0], "date": pinned[1]}],
        "frozen_until": f"{parent['week']}T12:00",  # re-plan from Monday noon: the morning's person-days stay
        "time_limit": 3,
        "workers": 1,
    }
    response = client.post(f"/api/plans/{parent['id']}/replan", json=body)
    assert response.status_code == 202 and response.json()["parent"] == parent["id"]
    child = wait_for(client, response.json()["id"], ("done",))
    return {"parent": parent, "roster": roster, "child": child, "away": away, "pinned": pinned}


def test_replan_keeps_the_parent_roster_but_the_absent_day(client, replanned):
    """POST /replan runs staffline.api.replan on the parent's roster: the absent person-day goes, pinned days stay."""
    parent, child, roster = replanned["parent"], replanned["child"], replanned["roster"]
    after = client.get(f"/api/plans/{child['id']}/roster").json()
    assert not [b for b in after if (b["employee"], b["date"]) == replanned["away"]]

    def day_of(rows, who_day):
        return sorted((b["start"], b["end"], b["role"]) for b in rows if (b["employee"], b["date"]) == who_day)

    assert day_of(after, replanned["pinned"]) == day_of(roster, replanned["pinned"])
    started_before_noon = {(b["employee"], b["date"]) for b in roster if b["date"] == parent["week"] and b["start"] < "12:00"} - {
        replanned["away"]
    }
    assert started_before_noon and all(day_of(after, k) == day_of(roster, k) for k in started_before_noon)
    assert child["kpis"]["changes"]["person_days"] >= 1 and "changes.csv" in child["files"]
    assert child["options"]["what_if"] == parent["options"]["what_if"] and child["options"]["what_if"]["model"] == "profile"
    assert child["kpis"]["forecast"]["model"] == "profile" and "simulation.csv" in child["files"]  # the parent's what-ifs carry over
    assert client.post("/api/plans/0123456789ab/replan", json={}).status_code == 404
    bad = client.post(f"/api/plans/{parent['id']}/replan", json={"pins": [{"employee": "E01", "date": "2026-12-02", "role": "x"}]})
    assert bad.status_code == 422


def test_changes_of_a_replan_are_changes_csv_as_json(client, replanned):
    """GET /changes: the re-plan's changed person-days (the absent one among them), and its parent."""
    parent, child = replanned["parent"], replanned["child"]
    changes = client.get(f"/api/plans/{child['id']}/changes").json()
    assert changes["parent"] == parent["id"] and changes["summary"] == child["kpis"]["changes"]
    assert changes["rows"] and set(changes["rows"][0]) == {"employee", "date", "before", "after", "reason"}
    assert replanned["away"] in {(r["employee"], r["date"]) for r in changes["rows"]}
    assert replanned["pinned"] not in {(r["employee"], r["date"]) for r in changes["rows"]}
    csv_lines = client.get(f"/api/plans/{child['id']}/files/changes.csv").text.strip().splitlines()
    assert len(csv_lines) == len(changes["rows"]) + 1
    first = client.get(f"/api/plans/{parent['id']}/changes")  # a first plan changed nothing: not a re-plan
    assert first.status_code == 409 and "not a re-plan" in first.json()["error"]
    assert client.get("/api/plans/0123456789ab/changes").status_code == 404


def test_compare_lines_up_two_plans_kpis_and_hourly_staffing(client, replanned):
    parent, child = replanned["parent"], replanned["child"]
    out = client.get(f"/api/compare?a={parent['id']}&b={child['id']}").json()
    assert [p["id"] for p in out["plans"]] == [parent["id"], child["id"]] and out["plans"][1]["kind"] == "replan"
    assert out["kpis"]["objective"] == [parent["kpis"]["objective"], child["kpis"]["objective"]]
    assert out["kpis"]["counter: expected_wait_minutes"][0] == parent["kpis"]["roles"]["counter"]["expected_wait_minutes"]
    own = client.get(f"/api/plans/{child['id']}/hourly").json()
    a, b = (h["counter"] for h in out["hourly"])
    assert out["hours"] == own["hours"] and b["rostered"] == own["roles"]["counter"]["rostered"]
    assert len(a["rostered"]) == len(out["hours"]) and max(a["rostered"]) > 0
    assert client.get(f"/api/compare?a={parent['id']}&b=0123456789ab").status_code == 404
    missing = client.get(f"/api/compare?a={parent['id']}")
    assert missing.status_code == 422 and "b" in missing.json()["error"]


def test_calendars_zip_holds_one_ics_per_rostered_employee(client, replanned):
    import io
    import zipfile

    parent = replanned["parent"]
    response = client.get(f"/api/plans/{parent['id']}/calendars.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert f"calendars-north-{parent['id']}.zip" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert names == sorted(f"{e}.ics" for e in {b["employee"] for b in replanned["roster"]})
        assert archive.read(names[0]).startswith(b"BEGIN:VCALENDAR")
    assert client.get("/api/plans/0123456789ab/calendars.zip").status_code == 404


def test_publish_of_an_unfinished_plan_is_refused(client):
    plan_id = client.post("/api/branches/south/plans", json={"time_limit": 30, "workers": 1}).json()["id"]
    assert client.post(f"/api/plans/{plan_id}/publish").status_code == 409
    assert client.get(f"/api/plans/{plan_id}/hourly").status_code == 409
    assert client.get(f"/api/plans/{plan_id}/roster").status_code == 409
    for path in (f"/api/plans/{plan_id}/changes", f"/api/plans/{plan_id}/calendars.zip", f"/api/compare?a={plan_id}&b={plan_id}"):
        response = client.get(path)
        assert response.status_code == 409 and any(w in response.json()["error"] for w in ("queued", "running")), path
    assert client.delete(f"/api/plans/{plan_id}").json()["status"] == "cancelled"


def test_cancel_ends_a_running_job_and_its_process(client):
    plan_id = client.post("/api/branches/north/plans", json={"time_limit": 60, "workers": 1}).json()["id"]
    wait_for(client, plan_id, ("running",))
    proc = worker_of(client, plan_id)
    response = client.delete(f"/api/plans/{plan_id}")
    assert response.status_code == 200 and response.json() == {"id": plan_id, "status": "cancelled"}
    assert not psutil.pid_exists(proc.pid) or psutil.Process(proc.pid).status() == psutil.STATUS_ZOMBIE
    time.sleep(0.5)
    plan = client.get(f"/api/plans/{plan_id}").json()
    assert plan["status"] == "cancelled" and plan["files"] == []
    assert client.delete(f"/api/plans/{plan_id}").json() == {"id": plan_id, "status": "deleted"}  # a second DELETE removes it
    assert client.get(f"/api/plans/{plan_id}").status_code == 404


def test_a_restart_marks_plans_left_running_failed_with_the_reason(served, tmp_path):
    db = f"sqlite:///{tmp_path / 'plans.db'}"
    with TestClient(create_app(served, db_url=db)) as c:
        plan_id = c.post("/api/branches/north/plans", json={"time_limit": 60, "workers": 1}).json()["id"]
        wait_for(c, plan_id, ("running",))
        proc = worker_of(c, plan_id)
        c.app.state.jobs._stop.set()  # the server dies: its scheduler stops without ending anything
        c.app.state.jobs._thread.join()
        c.app.state.jobs.running.clear()
        proc.kill()
        proc.join()
    assert c.app.state.store.get(plan_id)["status"] == "running"  # as a crashed server leaves it
    with TestClient(create_app(served, db_url=db)) as c:
        plan = c.get(f"/api/plans/{plan_id}").json()
        assert plan["status"] == "failed" and "restarted" in plan["error"]


def test_stopping_the_server_fails_its_running_plans(served, tmp_path):
    db = f"sqlite:///{tmp_path / 'plans.db'}"
    with TestClient(create_app(served, db_url=db)) as c:
        plan_id = c.post("/api/branches/south/plans", json={"time_limit": 60, "workers": 1}).json()["id"]
        wait_for(c, plan_id, ("running",))
        proc = worker_of(c, plan_id)
    assert not proc.is_alive()
    row = c.app.state.store.get(plan_id)
    assert row["status"] == "failed" and "stopped" in row["error"] and row["files"] == []


def test_a_token_guards_the_page_and_the_api(served, tmp_path):
    app = create_app(served, db_url=f"sqlite:///{tmp_path / 'plans.db'}", token="s3cret")
    with TestClient(app) as c:
        assert c.get("/api/branches").status_code == 401
        assert c.get("/api/branches", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/openapi.json").status_code == 401
        login = c.get("/")
        assert login.status_code == 401 and "<form" in login.text
        assert c.get("/api/branches", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        c.cookies.set("staffline_token", "s3cret")
        assert c.get("/").status_code == 200 and c.get("/static/app.js").status_code == 200


def test_allowed_hosts_refuse_a_rebound_host_name(served, tmp_path):
    app = create_app(served, db_url=f"sqlite:///{tmp_path / 'plans.db'}", allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://attacker.example") as c:
        assert c.get("/api/branches").status_code == 400
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/branches").status_code == 200


def test_serve_refuses_a_public_host_without_a_token(served):
    from click.testing import CliRunner

    from staffline.cli import main
    from staffline.cli.serve import is_loopback

    result = CliRunner().invoke(main, ["serve", str(served), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--token" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")


def test_the_model_choices_are_the_forecasting_registry_s():
    from typing import get_args

    from staffline.forecasting.registry import MODEL_NAMES
    from staffline.web.schemas import WhatIf

    assert set(get_args(get_args(WhatIf.model_fields["model"].annotation)[0])) == set(MODEL_NAMES)
