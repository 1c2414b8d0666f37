"""The web app: the page at ``/``, its static assets, and the JSON API under ``/api``.

Routes stay thin: they check the request, read or write the store, and hand
plans to :class:`~staffline.web.jobs.Jobs`. Every error is JSON with an
``error`` sentence (plus ``problems`` naming file/row/field for bad inputs
and request bodies) so a script and the page show the same words.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import re
import shutil
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from staffline import __version__, atomic
from staffline.errors import InputError
from staffline.forecasting.registry import MODEL_NAMES
from staffline.pipeline import parse_week
from staffline.web.auth import TokenAuth
from staffline.web.branches import BranchCache, UnknownBranch, branch_dir, branch_names, branch_summary, inputs_hash
from staffline.web.charts import hourly_series
from staffline.web.downloads import calendar_names, calendars_zip
from staffline.web.jobs import Jobs, plan_folder
from staffline.web.limits import MAX_BODY_BYTES, BodyLimit
from staffline.web.schemas import PlanRequest, ReplanRequest
from staffline.web.store import ACTIVE, Store
from staffline.web.versions import changes_rows, compare
from staffline.web.whatif import check_replan, check_what_if, with_absences

STATIC = Path(__file__).parent / "static"
PLOTLY_JS = Path(importlib.util.find_spec("plotly").origin).parent / "package_data" / "plotly.min.js"  # type: ignore[union-attr, arg-type]
_PLAN_ID = re.compile(r"^[0-9a-f]{12}$")
#: Plans that may wait in the queue at once; past it a new plan is 429 (a script in a loop cannot fill the disk).
MAX_QUEUED = 20


def default_db(root: Path) -> str:
    """The embedded database: ``DIR/.staffline/plans.db``."""
    (root / ".staffline").mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(root / '.staffline' / 'plans.db').resolve()}"


def published_folder(root: Path, branch: str) -> Path:
    """Where Publish writes a branch's output set: ``DIR/.staffline/published/<branch>/``."""
    return root / ".staffline" / "published" / branch


def create_app(
    root: str | Path,
    *,
    db_url: str | None = None,
    token: str | None = None,
    jobs: int = 1,
    allowed_hosts: list[str] | None = None,
    max_queued: int = MAX_QUEUED,
    max_body: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The workbench over the branches under ``root``; ``jobs`` plans of different branches run at once.

    ``allowed_hosts`` refuses requests whose Host header names another host:
    without a token, that is what stops a web page elsewhere from reaching a
    loopback workbench through DNS rebinding. ``max_queued`` plans may wait
    at once (429 past it) and request bodies are at most ``max_body`` bytes
    (413 past it).
    """
    root = Path(root).resolve()
    store = Store(db_url or default_db(root))
    scheduler = Jobs(store, root, jobs)
    branches = BranchCache(root)
    queue_lock = threading.Lock()  # the queue-length check and the new row are one step

    def enqueue(branch: str, options: dict, week: str | None, kind: str = "plan", parent: str | None = None) -> str:
        with queue_lock:
            if store.count_queued() >= max_queued:
                raise HTTPException(429, f"{max_queued} plans are already waiting; try again when some have run", {"Retry-After": "30"})
            return store.create(branch, inputs_hash(branch_dir(root, branch)), options, week=week, kind=kind, parent=parent)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler.start()
        try:
            yield
        finally:
            scheduler.stop()
            store.dispose()

    app = FastAPI(title="staffline workbench", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.store, app.state.jobs, app.state.root = store, scheduler, root
    app.add_middleware(BodyLimit, max_bytes=max_body)
    if token:
        app.add_middleware(TokenAuth, token=token)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    _error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        """Plotly's bundled JavaScript, served from the installed plotly package (no CDN)."""
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    @app.get("/api/branches")
    def list_branches() -> list[dict]:
        """Every branch: name, staff count, certified staff per role, default week (or its input problems)."""
        out = []
        for name in branch_names(root):
            try:
                instance = branches.load(name)
            except InputError as exc:
                out.append({"name": name, "staff": None, "roles": None, "problems": [p.as_dict() for p in exc.problems]})
                continue
            out.append({**branch_summary(instance, name), "week": parse_week(None, instance).isoformat()})
        return out

    @app.get("/api/branches/{name}")
    def get_branch(name: str) -> dict:
        """One branch with its staff (id, name, roles), default week and forecast model (and the models a what-if may pick).

        400 with the problems if its inputs are bad.
        """
        instance = branches.load(name)
        staff = [{"id": e.id, "name": e.name, "roles": list(e.roles)} for e in instance.staff]
        week = parse_week(None, instance).isoformat()
        models = {"default": instance.branch.forecast.model, "choices": list(MODEL_NAMES)}
        return {**branch_summary(instance, name), "week": week, "staff": staff, "forecast_models": models}

    @app.post("/api/branches/{name}/plans", status_code=202)
    def create_plan(name: str, body: PlanRequest) -> dict:
        """Queue a plan of the branch; the branch's inputs are validated now (400 with the problems), 429 when the queue is full."""
        instance = branches.load(name)
        week = parse_week(body.week, instance).isoformat() if body.week else None
        options = body.model_dump(mode="json", exclude={"week"})
        with_absences(instance, options["absences"])
        check_what_if(instance, options["what_if"])
        return {"id": enqueue(name, options, week), "status": "queued"}

    @app.get("/api/plans")
    def list_plans(branch: str | None = None) -> list[dict]:
        """Plans newest first (``?branch=`` for one branch), without their progress series."""
        if branch is not None:
            branch_dir(root, branch)
        return [_plan_json(row, brief=True) for row in store.list_plans(branch)]

    @app.get("/api/plans/{plan_id}")
    def get_plan(plan_id: str) -> dict:
        return _plan_json(_plan(store, plan_id))

    @app.get("/api/plans/{plan_id}/roster", response_model=None)
    def get_roster(plan_id: str, format: str = "json") -> list[dict] | FileResponse:
        """The roster as JSON rows, or ``?format=csv`` for roster.csv itself."""
        row = _done(store, plan_id, "it has no roster")
        path = plan_folder(root, plan_id) / "roster.csv"
        if format == "csv":
            return FileResponse(path, media_type="text/csv", filename=f"roster-{row['branch']}-{plan_id}.csv")
        if format != "json":
            raise HTTPException(422, "format must be json or csv")
        with path.open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    @app.get("/api/plans/{plan_id}/hourly")
    def get_hourly(plan_id: str) -> dict:
        """Per hour of day and role (mean over the open days): arrivals with an 80% band, required vs rostered, expected and simulated wait."""
        _done(store, plan_id, "it has no roster")
        return hourly_series(plan_folder(root, plan_id))

    @app.get("/api/plans/{plan_id}/files/{name:path}")
    def get_file(plan_id: str, name: str) -> FileResponse:
        """One of the plan's output files (report.html, roster.xlsx, ...); only names the plan recorded are served."""
        row = _plan(store, plan_id)
        if name not in row["files"]:
            raise HTTPException(404, f"plan {plan_id} has no file {name!r}")
        return FileResponse(plan_folder(root, plan_id) / name)

    @app.get("/api/plans/{plan_id}/changes")
    def get_changes(plan_id: str) -> dict:
        """What a done re-plan changed against its parent: the summary in its KPIs and the rows of changes.csv."""
        row = _done(store, plan_id, "it has no changes yet")
        if row["kind"] != "replan":
            raise HTTPException(409, f"plan {plan_id} is a plan, not a re-plan; it changed nothing")
        return {"parent": row["parent"], "summary": row["kpis"].get("changes"), "rows": changes_rows(plan_folder(root, plan_id))}

    @app.get("/api/compare")
    def compare_plans(a: str, b: str) -> dict:
        """Two done plans side by side: their KPIs and per-hour staffing (``?a=<id>&b=<id>``)."""
        rows = [_done(store, plan_id, "only done plans can be compared") for plan_id in (a, b)]
        return compare(*((r, plan_folder(root, r["id"])) for r in rows))

    @app.get("/api/plans/{plan_id}/calendars.zip")
    def get_calendars(plan_id: str) -> Response:
        """Every employee's calendar (``calendars/<employee>.ics``) of a done plan in one zip."""
        row = _done(store, plan_id, "it has no calendars")
        if not calendar_names(row["files"]):
            raise HTTPException(404, f"plan {plan_id} has no calendars")
        headers = {"content-disposition": f'attachment; filename="calendars-{row["branch"]}-{plan_id}.zip"'}
        return Response(calendars_zip(plan_folder(root, plan_id), row["files"]), media_type="application/zip", headers=headers)

    @app.post("/api/plans/{plan_id}/publish")
    def publish(plan_id: str) -> dict:
        """Copy a finished plan's output set into the branch's published folder, as one atomic set."""
        row = _done(store, plan_id, "only a done plan can be published")
        source, target = plan_folder(root, plan_id), published_folder(root, row["branch"])
        try:
            with atomic.staged():
                for name in row["files"]:
                    atomic.write_bytes(target / name, (source / name).read_bytes())
        except FileNotFoundError:  # deleted while being copied: nothing of it landed
            raise HTTPException(404, f"plan {plan_id} was deleted") from None
        folder = str(target.relative_to(root))
        store.set_published(plan_id, folder)
        return {"folder": folder, "files": [f"{folder}/{name}" for name in row["files"]]}

    @app.post("/api/plans/{plan_id}/replan", status_code=202)
    def replan(plan_id: str, body: ReplanRequest) -> dict:
        """Re-plan a done plan around absences and pins (and from ``frozen_until`` on) with ``staffline.api.replan``.

        The roster changes as little as the branch's ``[replan]`` weights make
        worthwhile; the parent's what-ifs carry over, so the re-plan sees the
        staff and demand its roster was made for.
        """
        row = _done(store, plan_id, "re-plan a done plan")
        options = body.model_dump(mode="json")
        check_replan(branches.load(row["branch"]), row["week"], options)
        options["what_if"] = row["options"].get("what_if") or {}
        new_id = enqueue(row["branch"], options, row["week"], kind="replan", parent=plan_id)
        return {"id": new_id, "status": "queued", "parent": plan_id}

    @app.delete("/api/plans/{plan_id}")
    def delete(plan_id: str) -> dict:
        """Cancel a queued or running plan (its worker is ended); delete a finished one (its row and its own files).

        A published plan is never deleted (it is the record of where the
        branch's published set came from), nor one a queued or running
        re-plan still reads: both are 409. The published folder itself is
        never touched.
        """
        row = _plan(store, plan_id)
        if row["status"] in ACTIVE:
            if not scheduler.cancel(plan_id):
                raise HTTPException(409, f"plan {plan_id} finished while being cancelled; it is {_plan(store, plan_id)['status']}")
            return {"id": plan_id, "status": "cancelled"}
        if store.delete_finished(plan_id):
            shutil.rmtree(plan_folder(root, plan_id), ignore_errors=True)
            return {"id": plan_id, "status": "deleted"}
        row = _plan(store, plan_id)
        if row["published"]:
            raise HTTPException(409, f"plan {plan_id} was published to {row['published']}; a published plan is kept")
        raise HTTPException(409, f"plan {plan_id} has a re-plan waiting or running that reads its roster; delete it when that ends")

    return app


def _plan(store: Store, plan_id: str) -> dict:
    row = store.get(plan_id) if _PLAN_ID.match(plan_id) else None
    if row is None:
        raise HTTPException(404, f"unknown plan {plan_id!r}")
    return row


def _done(store: Store, plan_id: str, why: str) -> dict:
    """The plan if it is done; 404 when unknown, 409 (saying ``why`` it matters) in any other state."""
    row = _plan(store, plan_id)
    if row["status"] != "done":
        raise HTTPException(409, f"plan {plan_id} is {row['status']}; {why}")
    return row


def _plan_json(row: dict, brief: bool = False) -> dict:
    """A plan as the API shows it: progress points carry the gap, the diagnosis sits beside the error."""
    out = {
        k: row[k] for k in ("id", "branch", "kind", "parent", "status", "week", "inputs_hash", "options", "created", "started", "finished")
    }
    out["published"] = row["published"]
    if not brief:
        out["progress"] = [{**p, "gap": _gap(p["objective"], p["bound"])} for p in row["progress"]]
        out["files"] = row["files"]
    if row["kpis"] is not None:
        out["kpis"] = row["kpis"]
    if row["error"] is not None:
        out["error"] = row["error"]
    return out


def _gap(objective: float, bound: float) -> float | None:
    return round((objective - bound) / abs(objective), 6) if objective else None


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else f"no such page or endpoint: {request.url.path}"
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in exc.errors()]
        fields = ", ".join(p["field"] or "body" for p in problems)
        return JSONResponse({"error": f"malformed request: {fields}", "problems": problems}, status_code=422)

    @app.exception_handler(UnknownBranch)
    async def unknown_branch(request: Request, exc: UnknownBranch) -> JSONResponse:
        return JSONResponse({"error": f"unknown branch {str(exc)!r}"}, status_code=404)

    @app.exception_handler(InputError)
    async def bad_inputs(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"error": "bad inputs", "problems": [p.as_dict() for p in exc.problems]}, status_code=400)
