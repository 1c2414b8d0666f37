"""Ticket history read from SQL equals the history.csv it came from; bad input is reported like the CSV loader."""

import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from staffline.errors import ProblemLog
from staffline.io import load_instance, normalize_history
from staffline.io.history_sql import (
    NEEDS_SQLALCHEMY,
    canonical_order,
    mask_url,
    read_history_sql,
)
from tests.pg_server import postgres_url  # noqa: F401  (session fixture)

pytest.importorskip("sqlalchemy")


@pytest.fixture(scope="module")
def jiangdong():
    return load_instance("instances/jiangdong")


def expected(history, mask=None):
    """The CSV-loaded history as the SQL reader returns it: a database has no row
    order, so tickets issued in the same second are ordered on all columns."""
    if mask is not None:
        history = history[mask]
    return normalize_history(canonical_order(history))


def write_sqlite(path, frame, table="tickets"):
    with sqlite3.connect(path) as con:
        frame.to_sql(table, con, index=False)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def sqlite_url(jiangdong, tmp_path_factory):
    return write_sqlite(tmp_path_factory.mktemp("sql") / "history.db", jiangdong.history)


def tiny_history(rows=None):
    """Eight days of valid tickets (one per day); ``rows`` overrides cells by 0-based index."""
    frame = pd.DataFrame(
        {
            "issued_at": [f"2026-01-{d:02d} 09:00:00" for d in range(5, 13)],
            "service_start": [f"2026-01-{d:02d} 09:01:00" for d in range(5, 13)],
            "service_end": [f"2026-01-{d:02d} 09:05:00" for d in range(5, 13)],
            "role": ["counter"] * 8,
            "tier": ["regular"] * 8,
            "outcome": ["served"] * 8,
        }
    )
    for idx, cells in (rows or {}).items():
        for column, value in cells.items():
            frame.loc[idx, column] = value
    return frame


def read(url, branch, table="tickets", query=None, **kw):
    log = ProblemLog()
    frame = read_history_sql(url, table if query is None else None, query, branch, log, **kw)
    return frame, log.problems


def test_table_reads_back_equal_to_csv(sqlite_url, jiangdong):
    frame, problems = read(sqlite_url, jiangdong.branch)
    assert problems == []
    pd.testing.assert_frame_equal(frame, expected(jiangdong.history))


def test_query_selects_a_subset(sqlite_url, jiangdong):
    frame, problems = read(sqlite_url, jiangdong.branch, query="SELECT * FROM tickets WHERE role = 'counter'")
    assert problems == []
    history = jiangdong.history
    pd.testing.assert_frame_equal(frame, expected(history, history["role"] == "counter"))


def test_query_is_passed_to_the_driver_verbatim(sqlite_url, jiangdong):
    """'%' and ':name' in a planner's query are SQL, not bind parameters."""
    query = "SELECT issued_at, service_start, service_end, role, tier, outcome FROM tickets WHERE role LIKE 'count%' AND tier <> ':vip';"
    frame, problems = read(sqlite_url, jiangdong.branch, query=query)
    assert problems == []
    history = jiangdong.history
    assert len(frame) == int((history["role"] == "counter").sum())


def test_small_chunks_give_the_same_frame(sqlite_url, jiangdong):
    whole, _ = read(sqlite_url, jiangdong.branch, chunksize=10**9)
    chunked, problems = read(sqlite_url, jiangdong.branch, chunksize=1000)
    assert problems == []
    pd.testing.assert_frame_equal(chunked, whole)


def test_sqlalchemy_written_table_reads_back_equal(jiangdong, tmp_path):
    """to_sql through SQLAlchemy stores DATETIME text with microseconds; still equal."""
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'sa.db'}"
    engine = sa.create_engine(url)
    jiangdong.history.to_sql("tickets", engine, index=False)
    engine.dispose()
    frame, problems = read(url, jiangdong.branch)
    assert problems == []
    pd.testing.assert_frame_equal(frame, expected(jiangdong.history))


@pytest.mark.parametrize("table", ["tickets; DROP TABLE tickets", "a.b.c", "1tickets", "tic-kets", "tickets --", '"tickets"'])
def test_table_name_must_be_a_plain_identifier(jiangdong, tmp_path, table):
    url = write_sqlite(tmp_path / "h.db", tiny_history())
    frame, problems = read(url, jiangdong.branch, table=table)
    assert frame is None
    assert len(problems) == 1 and problems[0].field == "table" and "plain identifier" in problems[0].message
    assert len(read(url, jiangdong.branch)[0]) == 8  # table untouched


def test_unknown_role_names_row_and_field(jiangdong, tmp_path):
    url = write_sqlite(tmp_path / "h.db", tiny_history({2: {"role": "teller"}}))
    frame, problems = read(url, jiangdong.branch)
    assert [(p.file, p.row, p.field) for p in problems] == [(url, 3, "role")]
    assert "unknown role 'teller'" in problems[0].message
    assert frame is not None and len(frame) == 8


def test_row_numbers_count_across_chunks(jiangdong, tmp_path):
    history = jiangdong.history.copy()
    history.loc[2499, "tier"] = "gold"
    url = write_sqlite(tmp_path / "h.db", history)
    for chunksize in (1000, 100_000):
        _, problems = read(url, jiangdong.branch, chunksize=chunksize)
        assert [(p.row, p.field) for p in problems] == [(2500, "tier")]


def test_time_checks_match_the_csv_loader(jiangdong, tmp_path):
    url = write_sqlite(
        tmp_path / "h.db",
        tiny_history(
            {
                0: {"issued_at": None},
                1: {"service_start": "soon"},
                3: {"service_end": "2026-01-08 08:00:00"},
                5: {"service_start": None, "outcome": "served"},
                6: {"outcome": "lost"},
            }
        ),
    )
    _, problems = read(url, jiangdong.branch)
    got = {(p.row, p.field) for p in problems}
    assert got == {(1, "issued_at"), (2, "service_start"), (4, "service_end"), (6, "service_start"), (7, "outcome")}


def test_short_history_and_empty_table(jiangdong, tmp_path):
    url = write_sqlite(tmp_path / "h.db", tiny_history().head(3))
    _, problems = read(url, jiangdong.branch)
    assert [p.field for p in problems] == ["issued_at"] and "3 day(s)" in problems[0].message
    url = write_sqlite(tmp_path / "e.db", tiny_history().head(0))
    frame, problems = read(url, jiangdong.branch)
    assert frame is None and len(problems) == 1 and "empty" in problems[0].message


def test_missing_table_is_one_clean_problem(sqlite_url, jiangdong):
    frame, problems = read(sqlite_url, jiangdong.branch, table="no_such_table")
    assert frame is None
    assert len(problems) == 1
    assert problems[0].file == sqlite_url and problems[0].row is None
    assert "no_such_table" in problems[0].message and "Traceback" not in problems[0].message


def test_missing_column_is_reported_like_a_csv_header(jiangdong, tmp_path):
    url = write_sqlite(tmp_path / "h.db", tiny_history().drop(columns="tier"))
    for kw in ({}, {"query": "SELECT * FROM tickets"}):
        frame, problems = read(url, jiangdong.branch, **kw)
        assert frame is None
        assert [(p.field, p.message.split(" (")[0]) for p in problems] == [("tier", "missing column")]


def test_exactly_one_of_table_or_query(sqlite_url, jiangdong):
    for table, query in ((None, None), ("tickets", "SELECT * FROM tickets")):
        log = ProblemLog()
        assert read_history_sql(sqlite_url, table, query, jiangdong.branch, log) is None
        assert len(log.problems) == 1 and "exactly one" in log.problems[0].message


def test_bad_sql_and_bad_url(sqlite_url, jiangdong):
    _, problems = read(sqlite_url, jiangdong.branch, query="SELEC nonsense")
    assert len(problems) == 1 and problems[0].message.startswith("cannot read the ticket history:")
    _, problems = read("nosuchdb://x/y", jiangdong.branch)
    assert len(problems) == 1 and problems[0].file == "nosuchdb://x/y"


def test_a_query_that_is_not_a_select_changes_nothing(jiangdong, tmp_path):
    url = write_sqlite(tmp_path / "h.db", tiny_history())
    frame, problems = read(url, jiangdong.branch, query="DELETE FROM tickets")
    assert frame is None and len(problems) == 1 and "no result set" in problems[0].message
    frame, problems = read(url, jiangdong.branch)
    assert problems == [] and len(frame) == 8


def test_connection_error_masks_the_password(jiangdong):
    pytest.importorskip("psycopg")
    url = "postgresql://planner:s3cret@127.0.0.1:1/branch"
    frame, problems = read(url, jiangdong.branch)
    assert frame is None and len(problems) == 1
    assert problems[0].file == "postgresql://planner:***@127.0.0.1:1/branch"
    assert "s3cret" not in str(problems[0]) and "cannot connect" in problems[0].message


def test_mask_url():
    assert mask_url("postgresql://user:pw@host/db") == "postgresql://user:***@host/db"
    assert mask_url("postgresql+psycopg://u:p%40ss@h:5432/db?sslmode=require") == "postgresql+psycopg://u:***@h:5432/db?sslmode=require"
    assert mask_url("postgresql://user@host/db") == "postgresql://user@host/db"
    assert mask_url("postgresql://host/db?user=u&password=pw") == "postgresql://host/db?user=u&password=***"
    assert mask_url("sqlite:///tmp/a.db") == "sqlite:///tmp/a.db"


def test_without_sqlalchemy_staffline_imports_and_says_what_to_install(monkeypatch, sqlite_url, jiangdong):
    code = "import sys; sys.modules['sqlalchemy'] = None; import staffline.io.history_sql, staffline.io"
    subprocess.run([sys.executable, "-c", code], check=True)
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    frame, problems = read(sqlite_url, jiangdong.branch)
    assert frame is None and [p.message for p in problems] == [NEEDS_SQLALCHEMY]


@pytest.mark.slow
def test_postgresql_roundtrip(postgres_url, jiangdong):  # noqa: F811
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS branch1")
    jiangdong.history.to_sql("tickets", engine, index=False, if_exists="replace")
    jiangdong.history.to_sql("tickets", engine, schema="branch1", index=False, if_exists="replace")
    history = jiangdong.history
    for table in ("tickets", "branch1.tickets"):
        frame, problems = read(postgres_url, jiangdong.branch, table=table, chunksize=5000)
        assert problems == []
        pd.testing.assert_frame_equal(frame, expected(history))
    frame, problems = read(postgres_url, jiangdong.branch, query="SELECT * FROM tickets WHERE role LIKE 'count%'")
    assert problems == []
    pd.testing.assert_frame_equal(frame, expected(history, history["role"] == "counter"))
    # timestamptz comes back time-zone aware; the wall clock of the session is kept.
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS tickets_tz")
        conn.exec_driver_sql(
            "CREATE TABLE tickets_tz AS SELECT issued_at::timestamptz AS issued_at, service_start::timestamptz AS service_start,"
            " service_end::timestamptz AS service_end, role, tier, outcome FROM tickets"
        )
    engine.dispose()
    frame, problems = read(postgres_url, jiangdong.branch, table="tickets_tz")
    assert problems == []
    pd.testing.assert_frame_equal(frame, expected(history))
    frame, problems = read(postgres_url, jiangdong.branch, table="missing")
    assert frame is None and len(problems) == 1 and "missing" in problems[0].message
    assert "\n" not in problems[0].message


def test_instance_reads_its_history_from_the_database_named_in_branch_toml(jiangdong, tmp_path):
    """branch.toml `history = "sqlite:///tickets.db"` is relative to the instance folder, not the CWD."""
    import shutil

    from click.testing import CliRunner

    from staffline.cli import main

    folder = tmp_path / "branch"
    shutil.copytree("instances/jiangdong", folder)
    write_sqlite(folder / "tickets.db", pd.read_csv(folder / "history.csv", dtype=str, keep_default_na=False))
    (folder / "history.csv").unlink()
    toml = (folder / "branch.toml").read_text(encoding="utf-8")
    (folder / "branch.toml").write_text(
        toml.replace("slot_minutes = 15", 'slot_minutes = 15\nhistory = "sqlite:///tickets.db"\nhistory_table = "tickets"', 1),
        encoding="utf-8",
    )
    loaded = load_instance(folder)
    pd.testing.assert_frame_equal(loaded.history, expected(jiangdong.history))
    assert loaded.branch.history.is_database

    result = CliRunner().invoke(main, ["validate", str(folder), "--history", "missing.csv"])
    assert result.exit_code == 2 and "missing.csv: missing file" in result.output
