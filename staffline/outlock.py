"""One writer per output folder: a second concurrent run stops instead of interleaving files.

Cron jobs overlap when a night run is slow; two runs writing the same folder
would leave a roster from one and KPIs from the other. The lock is an
``fcntl.flock`` on ``OUTDIR/.staffline.lock`` holding the writer's pid: the
kernel releases it when the process ends in any way (SIGKILL included), so a
killed run never blocks the next one, and a refused run can name the pid it
waits for. The file is removed when the run ends; a run that took the lock
on a file removed meanwhile notices (different inode) and tries again. stdlib
``fcntl`` rather than a lock library because the refusal must name the
holder's pid, which those libraries do not report.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator

from .errors import InputError, Problem

LOCK_NAME = ".staffline.lock"


def _acquire(path: Path, folder: Path) -> int:
    """An open descriptor holding the lock on the file now at ``path``."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise InputError(Problem("--out", None, None, f"another run is writing {folder} (pid {holder})")) from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # the previous holder removed this file as we opened it: lock the new one


@contextlib.contextmanager
def output_lock(out_dir: str | os.PathLike) -> Iterator[Path]:
    """Hold the folder's lock while the body writes; ``InputError`` (exit 2) if another run holds it.

    A folder this call had to create is removed again when the run wrote
    nothing into it (bad input found after the lock was taken).
    """
    folder = Path(out_dir)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = _acquire(path, folder)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        path.unlink(missing_ok=True)
        if created and not any(folder.iterdir()):
            folder.rmdir()
        os.close(fd)  # closing releases the flock
