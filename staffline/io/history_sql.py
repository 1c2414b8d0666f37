"""Ticket history from a SQL database instead of ``history.csv``.

Many branches already keep their queue-management tickets in a database;
exporting a CSV by hand every week is a step that goes stale. This module reads
the same six columns (:data:`~staffline.model.HISTORY_COLUMNS`) from a table or
from a planner's query and checks them exactly as :func:`staffline.io.tickets.parse_history`
checks the CSV: it reuses :mod:`staffline.io.tickets`' cell checks so both sources report the same
messages and return the same frame (via :func:`~staffline.io.tickets.normalize_history`).

Problems go to the caller's :class:`~staffline.errors.ProblemLog` with ``file``
= the database URL with its password masked and ``row`` = 1-based row of the
result set (there is no header row here). Rows are streamed in chunks so a
large ticket table never sits twice in memory as Python objects.

SQLAlchemy (>= 2) is imported lazily: it is an optional extra
(``pip install 'staffline[sql]'``) and staffline must import without it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from staffline.errors import ProblemLog
from staffline.io.tickets import check_history_cells, check_history_span, normalize_history
from staffline.model import HISTORY_COLUMNS

NEEDS_SQLALCHEMY = "history from a database needs SQLAlchemy: pip install 'staffline[sql]'"

# A table name is pasted into SQL, so only a plain identifier (optionally
# schema.table) is accepted; anything fancier belongs in a query.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")
_URL_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^:/@?#]*:)[^@/?#]*@")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def mask_url(url: str) -> str:
    """The URL as it may appear in messages: ``postgresql://user:***@host/db``.

    Plain regex (no SQLAlchemy) so even an unparsable URL is shown masked.
    """
    return _QUERY_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", url))


def _text(value: Any) -> str:
    """A database value as the text a CSV cell would hold ('' for NULL).

    Drivers hand back datetimes (PostgreSQL ``timestamp``) or strings (SQLite);
    going through text lets the CSV cell checks (:mod:`staffline.io.cells`) treat both alike. Time-zone-aware
    values keep the wall clock the driver returned (the session time zone).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _texts(values: Sequence[Any]) -> list[str]:
    """:func:`_text` for a column; strings (all of SQLite's cells) pass straight through."""
    return [v if v.__class__ is str else _text(v) for v in values]


def _first_line(exc: BaseException, password: str | None) -> str:
    """Short driver message (no SQL echo, no traceback, no password)."""
    orig = getattr(exc, "orig", None) or exc
    text = (str(orig).strip().splitlines() or [type(orig).__name__])[0].strip()
    return text.replace(password, "***") if password else text


def _column_positions(keys: Sequence[str], file: str, log: ProblemLog) -> dict[str, int] | None:
    """Where each history column sits in the result (names matched case-insensitively,
    since some databases report upper case); extra columns are ignored."""
    lookup: dict[str, int] = {}
    for i, key in enumerate(keys):
        lookup.setdefault(str(key).strip().lower(), i)
    missing = [c for c in HISTORY_COLUMNS if c not in lookup]
    for column in missing:
        log.add(file, None, column, f"missing column (result has: {', '.join(map(str, keys))})")
    return None if missing else {c: lookup[c] for c in HISTORY_COLUMNS}


def _engine(url: str, file: str, log: ProblemLog):
    """SQLAlchemy engine for ``url``, or None after logging why not."""
    try:
        import sqlalchemy as sa
    except ImportError:
        log.add(file, None, None, NEEDS_SQLALCHEMY)
        return None
    try:
        parsed = sa.make_url(url)
        # Bare postgresql:// means psycopg2 to SQLAlchemy; use psycopg 3 when that is what is installed.
        if (
            parsed.drivername == "postgresql"
            and importlib.util.find_spec("psycopg2") is None
            and importlib.util.find_spec("psycopg") is not None
        ):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed)
    except ImportError as exc:
        log.add(file, None, None, f"no database driver for this URL ({exc}); install it, e.g. pip install 'psycopg[binary]' for PostgreSQL")
    except sa.exc.SQLAlchemyError as exc:
        log.add(file, None, None, f"not a usable database URL: {_first_line(exc, None).replace(url, file)}")
    return None


def read_history_sql(
    url: str,
    table: str | None,
    query: str | None,
    branch,
    log: ProblemLog,
    chunksize: int = 100_000,
) -> pd.DataFrame | None:
    """Ticket history from ``table`` (a plain identifier) or ``query`` (run as given).

    Validates like :func:`staffline.io.tickets.parse_history` and returns the same
    normalized frame (ties in ``issued_at`` in :func:`canonical_order`). Nothing
    is ever committed, so a query that is not a SELECT is rolled back.
    Returns None when nothing usable could be read (no SQLAlchemy or driver,
    connection or SQL error, missing columns, no rows). Row problems are logged
    and the frame is still returned, as parse_history does.
    """
    file = mask_url(url)
    if bool(table) == bool(query):
        log.add(file, None, None, "give exactly one of a table name or a query for the ticket history")
        return None
    if table and not _IDENTIFIER.fullmatch(table):
        log.add(
            file,
            None,
            "table",
            f"table name {table!r} is not a plain identifier (letters, digits, _; optionally schema.table); use a query instead",
        )
        return None
    engine = _engine(url, file, log)
    if engine is None:
        return None
    import sqlalchemy as sa

    password = engine.url.password
    chunksize = max(1, int(chunksize))
    try:
        try:
            conn = engine.connect()
        except sa.exc.SQLAlchemyError as exc:
            log.add(file, None, None, f"cannot connect to the database: {_first_line(exc, password)}")
            return None
        with conn:
            # Raw driver SQL: a planner's query must not have ':name' or '%' reinterpreted.
            opts = conn.execution_options(no_parameters=True, stream_results=True, yield_per=chunksize)
            try:
                if table:
                    # Cheap probe so a missing column gets the same message as a CSV header.
                    keys = list(opts.exec_driver_sql(f"SELECT * FROM {table} WHERE 1 = 0").keys())
                    if _column_positions(keys, file, log) is None:
                        return None
                    sql = f"SELECT {', '.join(HISTORY_COLUMNS)} FROM {table}"
                else:
                    sql = query.strip().rstrip(";")
                result = opts.exec_driver_sql(sql)
                if not result.returns_rows:
                    log.add(file, None, None, "the history query returns no result set (expected a SELECT)")
                    return None
                positions = _column_positions(list(result.keys()), file, log)
                if positions is None:
                    return None
                parts, offset = [], 1
                for rows in result.partitions(chunksize):
                    columns = list(zip(*rows))
                    frame = pd.DataFrame({c: pd.Series(_texts(columns[i]), dtype=object) for c, i in positions.items()})
                    parts.append(check_history_cells(frame, file, branch, log, first_row=offset))
                    offset += len(rows)
            except sa.exc.SQLAlchemyError as exc:
                log.add(file, None, None, f"cannot read the ticket history: {_first_line(exc, password)}")
                return None
    finally:
        engine.dispose()
    if not parts:
        log.add(file, None, None, "history is empty (no rows; need at least one week of tickets)")
        return None
    history = pd.concat(parts, ignore_index=True)
    check_history_span(history["issued_at"], file, log)
    return normalize_history(canonical_order(history))


def canonical_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted on all history columns (missing times last).

    A database returns rows in no defined order (PostgreSQL's can change after
    an UPDATE or VACUUM), and normalize_history only sorts by issued_at, so
    tickets issued in the same second would come back in varying order.
    """
    return frame.sort_values(list(HISTORY_COLUMNS), kind="stable", na_position="last", ignore_index=True)
