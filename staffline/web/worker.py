"""One plan job, run in its own worker process: load the branch, call the library, write the output set.

The process records progress and the outcome in the store itself, so the
server only starts, watches and ends processes. Outputs go to the plan's own
folder through ``write_plan`` and ``write_report`` (each an atomic set); the
plan is marked ``done`` only after both landed, so a job killed midway never
looks finished. A watchdog thread ends the process when the server is gone,
so no orphan keeps solving after a crash. It watches the server itself, not
its parent: a worker forked from the fork server has the fork server as its
parent, which stays up while any worker does.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

from staffline import api
from staffline.web.branches import load_branch
from staffline.web.store import Store
from staffline.web.whatif import with_absences, with_what_if


def _watch_server(server: int, started: float) -> None:
    """End this process once the server process is gone (pid and start time, so a reused pid does not count)."""
    while True:
        try:
            process = psutil.Process(server)
            alive = process.create_time() == started and process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            alive = False
        if not alive:
            os._exit(1)
        time.sleep(1.0)


def run_job(db_url: str, plan_id: str, root: str, out_dir: str, server: int, server_started: float) -> None:
    """Entry point of the worker process (``multiprocessing`` target); ``server``: the pid and start time of the server."""
    threading.Thread(target=_watch_server, args=(server, server_started), daemon=True).start()
    store = Store(db_url)
    try:
        _run(store, plan_id, Path(root), Path(out_dir))
    except Exception as exc:  # any failure is the job's outcome, shown to the planner, never a silent death
        store.transition(plan_id, ("running",), "failed", error=f"{type(exc).__name__}: {exc}")
    finally:
        store.dispose()


def _run(store: Store, plan_id: str, root: Path, out: Path) -> None:
    row = store.get(plan_id)
    assert row is not None
    opts = row["options"]
    what_if = opts.get("what_if") or {}
    started = time.monotonic()

    def progress(seconds: float, objective: float, bound: float) -> None:
        store.add_progress(plan_id, {"t": round(time.monotonic() - started, 2), "objective": objective, "bound": bound})

    p: api.Plan
    if row["kind"] == "replan":
        # Absences go to replan itself (not into the instance), which must know them to keep the rest of the
        # parent's roster; pins keep a whole person-day as the parent has it, frozen_until every one started before it.
        instance = with_what_if(load_branch(root, row["branch"]), what_if)  # replan() takes no certify or divert
        published = pd.read_csv(out.parent / row["parent"] / "roster.csv", dtype=str, keep_default_na=False)
        p = replanned = api.replan(
            instance,
            published,
            absences=[f"{a['employee']}={a['date']}" for a in opts.get("absences") or []],
            pins=[(pin["employee"], pin["date"]) for pin in opts.get("pins") or []],
            frozen_until=opts.get("frozen_until"),
            time_limit=opts["time_limit"],
            workers=opts["workers"],
            headcount=what_if.get("headcount"),
            model=what_if.get("model"),
            simulate_reps=opts.get("simulate", 0),
            progress=progress,
        )
    else:
        instance = with_absences(load_branch(root, row["branch"]), opts.get("absences") or [])
        p = api.plan(
            instance,
            row["week"],
            time_limit=opts["time_limit"],
            workers=opts["workers"],
            headcount=what_if.get("headcount"),
            certify=what_if.get("certify"),
            divert=what_if.get("divert"),
            model=what_if.get("model"),
            simulate_reps=opts.get("simulate", 0),
            progress=progress,
        )
    if p.status in ("infeasible", "time_limit"):
        store.transition(plan_id, ("running",), "failed", error=p.result.message, kpis=p.kpis)
        return
    written = api.write_replan(replanned, instance, out) if row["kind"] == "replan" else api.write_plan(p, instance, out)
    written += api.write_report(out)
    files = sorted(str(path.relative_to(out)) for path in written if path.is_file())
    store.transition(plan_id, ("running",), "done", kpis=p.kpis, files=files, week=p.week_start.isoformat())
