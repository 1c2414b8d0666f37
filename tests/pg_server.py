"""A throwaway PostgreSQL server for tests (no Docker, no system service).

``postgres_url`` is a session-scoped pytest fixture: import it into a test
module (``from tests.pg_server import postgres_url``) and it yields a
SQLAlchemy URL of an empty database on a private server that lives in a temp
directory, listens only on 127.0.0.1 (and a socket in that directory) and is
stopped and deleted at the end of the session.

PostgreSQL refuses to run as root, so as root the server runs as ``nobody``
(the data directory is chowned to it). If the binaries are missing and we are
root, one ``apt-get install postgresql`` is attempted; otherwise the tests
using the fixture are skipped with the reason.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DB_NAME = "staffline_test"
SERVICE_USER = "nobody"
APT_TIMEOUT = 300


def find_pg_bin() -> Path | None:
    """Directory holding initdb and pg_ctl: PATH first, then Debian's layout (newest first)."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
        reverse=True,
    )
    for folder in candidates:
        if os.access(Path(folder) / "initdb", os.X_OK) and os.access(Path(folder) / "pg_ctl", os.X_OK):
            return Path(folder)
    return None


def _try_apt_install() -> str:
    """Best effort as root; returns a note for the skip reason."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "not root or no apt-get, so not installing it"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=APT_TIMEOUT, check=False)
        done = subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"],
            env=env,
            capture_output=True,
            text=True,
            timeout=APT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"apt-get install postgresql timed out after {APT_TIMEOUT} s"
    return "apt-get install postgresql " + ("succeeded" if done.returncode == 0 else f"failed: {done.stderr.strip()[-300:]}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl in a temp directory; :meth:`start` returns the URL."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="staffline-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, user=SERVICE_USER)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_root and shutil.which("runuser"):
            cmd = ["runuser", "-u", SERVICE_USER, "--", *cmd]
        elif self.as_root:
            cmd = ["su", "-s", "/bin/sh", SERVICE_USER, "-c", shlex.join(cmd)]
        env = dict(os.environ, LC_ALL="C", LANG="C", HOME=str(self.root), PGTZ="UTC")
        done = subprocess.run(cmd, cwd=self.root, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}")
        return done

    def start(self) -> str:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root} -c fsync=off"
        try:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "-t", "60", "start")
        except RuntimeError as exc:
            log = self.root / "server.log"
            raise RuntimeError(f"{exc}\n{log.read_text()[-800:] if log.exists() else ''}") from None
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")  # throwaway: no checkpoint
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of an empty database on a private PostgreSQL server (skips if none can run)."""
    pytest.importorskip("sqlalchemy", reason="needs SQLAlchemy")
    pytest.importorskip("psycopg", reason="needs the psycopg (v3) driver: pip install 'psycopg[binary]'")
    bin_dir = find_pg_bin()
    note = ""
    if bin_dir is None:
        note = _try_apt_install()
        bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip(f"PostgreSQL server binaries (initdb, pg_ctl) not found; {note}")
    server = PostgresServer(bin_dir)
    try:
        url = server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        server.stop()
        pytest.skip(f"could not start a throwaway PostgreSQL from {bin_dir}: {exc}")
    try:
        yield url
    finally:
        server.stop()
