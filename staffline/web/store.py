"""The plan store: one row per plan (inputs hash, options, status, progress, KPIs, files) in a SQL database.

SQLAlchemy Core over an embedded SQLite file by default (``--db`` takes any
SQLAlchemy URL, e.g. PostgreSQL). The server and its worker processes each open
their own engine on the same URL. Status changes are conditional updates
(``WHERE status = ...``) so a late write from a job that was cancelled, or one
left over from a crashed server, cannot overwrite the outcome already recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import sqlalchemy as sa

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")

_meta = sa.MetaData()
plans = sa.Table(
    "plans",
    _meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("branch", sa.String(200), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False, default="plan"),
    sa.Column("parent", sa.String(32), nullable=True),
    sa.Column("week", sa.String(10), nullable=True),
    sa.Column("inputs_hash", sa.String(64), nullable=False),
    sa.Column("options", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("progress", sa.Text, nullable=False, default="[]"),
    sa.Column("kpis", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("files", sa.Text, nullable=False, default="[]"),
    sa.Column("published", sa.Text, nullable=True),
    sa.Column("created", sa.String(32), nullable=False),
    sa.Column("started", sa.String(32), nullable=True),
    sa.Column("finished", sa.String(32), nullable=True),
)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Store:
    """Plans in a database at ``url``; every method is one short transaction (safe from threads and processes)."""

    def __init__(self, url: str):
        self.url = url
        connect_args = {"timeout": 30, "check_same_thread": False} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, connect_args=connect_args)
        _meta.create_all(self.engine)

    def create(
        self, branch: str, inputs_hash: str, options: dict, *, week: str | None, kind: str = "plan", parent: str | None = None
    ) -> str:
        plan_id = uuid.uuid4().hex[:12]
        row = dict(id=plan_id, branch=branch, kind=kind, parent=parent, week=week, inputs_hash=inputs_hash)
        row |= dict(options=json.dumps(options), status="queued", progress="[]", files="[]", created=_now())
        with self.engine.begin() as conn:
            conn.execute(plans.insert().values(**row))
        return plan_id

    def get(self, plan_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(plans.select().where(plans.c.id == plan_id)).mappings().first()
        return _decode(row) if row else None

    def list_plans(self, branch: str | None = None) -> list[dict[str, Any]]:
        """Plans newest first, optionally of one branch."""
        query = plans.select().order_by(plans.c.created.desc())
        if branch is not None:
            query = query.where(plans.c.branch == branch)
        with self.engine.connect() as conn:
            return [_decode(r) for r in conn.execute(query).mappings()]

    def queued(self) -> list[dict[str, Any]]:
        """Queued plans, oldest first (the order the scheduler starts them in)."""
        with self.engine.connect() as conn:
            rows = conn.execute(plans.select().where(plans.c.status == "queued").order_by(plans.c.created)).mappings()
            return [_decode(r) for r in rows]

    def transition(self, plan_id: str, from_status: tuple[str, ...], to_status: str, **fields: Any) -> bool:
        """Move a plan from one of ``from_status`` to ``to_status`` (with ``fields``); False when it was not in one of them."""
        values: dict[str, Any] = {"status": to_status, **{k: _encode(k, v) for k, v in fields.items()}}
        if to_status == "running":
            values["started"] = _now()
        elif to_status in FINISHED:
            values["finished"] = _now()
        with self.engine.begin() as conn:
            done = conn.execute(plans.update().where(plans.c.id == plan_id, plans.c.status.in_(from_status)).values(**values))
        return done.rowcount == 1

    def add_progress(self, plan_id: str, point: dict[str, float]) -> None:
        """Append one progress point to a running plan (ignored once the plan is no longer running)."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(plans.c.progress).where(plans.c.id == plan_id, plans.c.status == "running")).first()
            if row is not None:
                points = json.loads(row[0]) + [point]
                conn.execute(plans.update().where(plans.c.id == plan_id, plans.c.status == "running").values(progress=json.dumps(points)))

    def count_queued(self) -> int:
        """How many plans wait to start (the API refuses new ones past its queue limit)."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(plans).where(plans.c.status == "queued")).scalar_one())

    def delete_finished(self, plan_id: str) -> bool:
        """Remove a finished, never-published plan's row that no queued or running re-plan still needs; False otherwise.

        One conditional delete, so a plan that was published, or that a
        re-plan started on, in the meantime is never removed.
        """
        child = plans.alias("child")
        waiting_child = sa.exists().where(child.c.parent == plan_id, child.c.status.in_(ACTIVE))
        query = plans.delete().where(plans.c.id == plan_id, plans.c.status.in_(FINISHED), plans.c.published.is_(None), ~waiting_child)
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount == 1

    def set_published(self, plan_id: str, folder: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(plans.update().where(plans.c.id == plan_id).values(published=folder))

    def fail_running(self, reason: str) -> list[str]:
        """Mark every running plan failed with ``reason`` (at server start: their worker died with the old server)."""
        with self.engine.begin() as conn:
            ids = [r[0] for r in conn.execute(sa.select(plans.c.id).where(plans.c.status == "running"))]
            if ids:
                conn.execute(plans.update().where(plans.c.id.in_(ids)).values(status="failed", error=reason, finished=_now()))
        return ids

    def dispose(self) -> None:
        self.engine.dispose()


def _encode(key: str, value: Any) -> Any:
    return json.dumps(value, default=float) if key in {"kpis", "files", "progress"} and value is not None else value


def _decode(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("options", "progress", "files", "kpis"):
        if out.get(key) is not None:
            out[key] = json.loads(out[key])
    return out
