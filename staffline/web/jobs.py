"""The job scheduler: starts queued plans in worker processes, one per branch, at most ``jobs`` at once.

A thread polls the store (the single source of truth, so plans queued before
a restart are picked up again) and starts the oldest queued plan of every
branch that has nothing running while a slot is free: different branches run
side by side, a second plan of the same branch waits its turn. Cancel and
shutdown end the worker's whole process tree (the CBC solver runs as a
child process of the worker).
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from staffline.web.store import Store
from staffline.web.worker import run_job

if TYPE_CHECKING:  # the fork server's context class exists on POSIX only
    from multiprocessing.context import ForkServerContext, SpawnContext

RESTART_REASON = "the server restarted while this plan was running; plan it again"
STOP_REASON = "the server stopped while this plan was running; plan it again"


def plan_folder(root: Path, plan_id: str) -> Path:
    """Where a plan's output set lives: ``DIR/.staffline/plans/<id>/`` (the dot keeps it out of the branch list)."""
    return root / ".staffline" / "plans" / plan_id


class Jobs:
    """Worker processes for queued plans; ``start()`` after the server is up, ``stop()`` on shutdown."""

    def __init__(self, store: Store, root: Path, jobs: int = 1, poll: float = 0.2):
        self.store, self.root, self.slots, self.poll = store, root, jobs, poll
        self.running: dict[str, tuple[str, mp.process.BaseProcess]] = {}  # plan id -> (branch, process)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx = _context()
        me = psutil.Process()
        self._server = (me.pid, me.create_time())  # the workers' watchdogs end them when this process is gone

    def start(self) -> None:
        """Fail plans a previous server left running, then start scheduling."""
        self.store.fail_running(RESTART_REASON)
        self._thread = threading.Thread(target=self._loop, name="staffline-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop scheduling and end running workers; their plans are marked failed (never half-published)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            for plan_id, (_, proc) in list(self.running.items()):
                _kill_tree(proc)
                self.store.transition(plan_id, ("running",), "failed", error=STOP_REASON)
            self.running.clear()

    def cancel(self, plan_id: str) -> bool:
        """Cancel a queued or running plan; False when it had already finished."""
        with self._lock:
            if self.store.transition(plan_id, ("queued",), "cancelled", error="cancelled before it started"):
                return True
            entry = self.running.pop(plan_id, None)
            if entry is not None:
                _kill_tree(entry[1])
            return self.store.transition(plan_id, ("running",), "cancelled", error="cancelled while running")

    def _loop(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self._tick()
            except Exception:  # a database hiccup must not end scheduling for the server's lifetime
                continue

    def _tick(self) -> None:
        with self._lock:
            for plan_id, (_, proc) in list(self.running.items()):
                if not proc.is_alive():
                    proc.join()
                    del self.running[plan_id]
                    # a worker that died without recording an outcome (killed, out of memory) still ends its plan
                    self.store.transition(
                        plan_id, ("running",), "failed", error=f"the worker process ended unexpectedly (exit code {proc.exitcode})"
                    )
            busy = {branch for branch, _ in self.running.values()}
            for row in self.store.queued():
                if len(self.running) >= self.slots:
                    break
                if row["branch"] in busy or not self.store.transition(row["id"], ("queued",), "running"):
                    continue
                folder = plan_folder(self.root, row["id"])
                folder.mkdir(parents=True, exist_ok=True)
                proc = self._ctx.Process(
                    target=run_job, args=(self.store.url, row["id"], str(self.root), str(folder), *self._server), daemon=False
                )
                try:
                    proc.start()
                except OSError as exc:  # no process could be started (out of memory, process limit): say so on the plan
                    self.store.transition(row["id"], ("running",), "failed", error=f"could not start a worker process: {exc}")
                    continue
                self.running[row["id"]] = (row["branch"], proc)
                busy.add(row["branch"])


def _context() -> ForkServerContext | SpawnContext:
    """Where worker processes come from: a fork server preloaded with the worker's imports, else spawn.

    Never a plain fork: the server has threads (uvicorn, the scheduler) that a
    fork would copy mid-lock. The fork server is a fresh single-threaded
    process that imports pandas, OR-Tools and the library once; each job is
    forked from it and starts solving at once instead of spending seconds
    importing them again. It ends when the server does.
    """
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["staffline.web.worker"])
        return ctx
    return mp.get_context("spawn")


def _kill_tree(proc: mp.process.BaseProcess) -> None:
    if proc.pid is None:
        return
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    proc.kill()
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    proc.join(timeout=5)
