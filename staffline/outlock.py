"""One writer per output folder: a second concurrent run stops instead of interleaving files.

Cron jobs overlap when a night run is slow; two runs writing the same folder
would leave a roster from one and KPIs from the other. The lock is an
``fcntl.flock`` on the output folder itself: the kernel releases it when the
process ends in any way (SIGKILL included), so a killed run never blocks the
next one and leaves no lock file behind. A refused run names the holder's pid,
which Linux lists in ``/proc/locks``. stdlib ``fcntl`` rather than a lock
library because those lock a separate file (left behind by SIGKILL) and do
not report the holder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from staffline.errors import InputError, Problem


def holder_pid(fd: int) -> str:
    """The pid holding a flock on the file behind ``fd``, from /proc/locks ('unknown' elsewhere)."""
    st = os.fstat(fd)
    where = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == where:
                    return fields[4]
    except OSError:
        pass
    return "unknown"


@contextlib.contextmanager
def output_lock(out_dir: str | os.PathLike) -> Iterator[Path]:
    """Hold the folder's lock while the body writes; ``InputError`` (exit 2) if another run holds it.

    A folder this call had to create is removed again when the run wrote
    nothing into it (bad input found after the lock was taken).
    """
    folder = Path(out_dir)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(Problem("--out", None, None, f"another run is writing {folder} (pid {holder_pid(fd)})")) from None
        yield folder
    finally:
        if created and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        os.close(fd)  # closing releases the flock
