"""Atomic file output: a run killed at any moment (SIGKILL included) leaves the old outputs intact.

Each output is produced in memory, written to an *anonymous* file in the
target's folder (Linux ``O_TMPFILE``: it has no name, so a killed process
leaves nothing behind - the kernel frees it), fsynced, given a temporary name
and renamed over the target (``os.replace`` is atomic on POSIX). A reader
sees the previous file or the complete new one, never a half. Where
``O_TMPFILE`` is missing (other systems, some file systems) a named
``.staffline-tmp-*`` file is used instead and removed on any Python error.

Inside :func:`staged` nothing is renamed until the block ends: a run writes
its whole set of outputs (roster, coverage, KPIs ...) as unnamed files and
renames them in one quick loop at the end, so a run killed while it still
computes or writes leaves the previous set untouched, not half old, half new.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
import tempfile
from pathlib import Path
from typing import Iterator

TEMP_PREFIX = ".staffline-tmp-"
_STAGE: contextvars.ContextVar[list | None] = contextvars.ContextVar("staffline_atomic_stage", default=None)


def _anonymous_file(folder: Path, data: bytes) -> int | None:
    """An unnamed file in ``folder`` holding ``data`` (fsynced), or None without O_TMPFILE support."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        fd = os.open(folder, flag | os.O_RDWR, 0o644)
    except OSError:
        return None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _link_anonymous(fd: int, path: Path) -> None:
    """Give the unnamed file behind ``fd`` the name ``path``.

    ``linkat`` through ``/proc/self/fd`` is the documented way; some kernels
    and sandboxes refuse it (EXDEV) but accept ``linkat(fd, "", AT_EMPTY_PATH)``,
    which the standard library does not expose, hence ctypes.
    """
    try:
        os.link(f"/proc/self/fd/{fd}", path, follow_symlinks=True)
        return
    except OSError:
        pass
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, at_empty_path = -100, 0x1000
    if libc.linkat(fd, b"", at_fdcwd, os.fsencode(path), at_empty_path) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(path))


def _publish(fd: int, target: Path) -> None:
    """Name the anonymous file and rename it over ``target`` (the name exists for microseconds).

    When the file cannot be named here, its bytes go the named-temp way instead.
    """
    temp = target.parent / f"{TEMP_PREFIX}{os.getpid()}-{target.name}"
    try:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        try:
            _link_anonymous(fd, temp)
        except OSError:
            _write_named(target, os.pread(fd, os.fstat(fd).st_size, 0))
            return
        os.replace(temp, target)
    finally:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _write_named(target: Path, data: bytes) -> None:
    """Fallback: a named temporary file, removed again on any Python error."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    """Write a whole file atomically (deferred to the end of an enclosing :func:`staged` block)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = _anonymous_file(target.parent, data)
    stage = _STAGE.get()
    if fd is None:
        if stage is not None:
            stage.append((None, target, data))
        else:
            _write_named(target, data)
    elif stage is not None:
        stage.append((fd, target, None))
    else:
        _publish(fd, target)


def write_text(target: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    """Write a whole text file atomically."""
    write_bytes(target, text.encode(encoding))


def write_csv(target: str | os.PathLike, frame, **to_csv_kwargs) -> None:
    """Write a DataFrame as CSV atomically (no index unless asked)."""
    to_csv_kwargs.setdefault("index", False)
    write_text(target, frame.to_csv(**to_csv_kwargs))


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[io.BytesIO]:
    """Yield an in-memory buffer for writers that want a file object; it replaces ``target`` only on success."""
    buffer = io.BytesIO()
    yield buffer
    write_bytes(target, buffer.getvalue())


@contextlib.contextmanager
def staged() -> Iterator[None]:
    """Write every output of the block at its end, all or (on an exception or a kill) none."""
    stage: list = []
    token = _STAGE.set(stage)
    try:
        yield
    except BaseException:
        for fd, _, _ in stage:
            if fd is not None:
                os.close(fd)  # an unnamed file vanishes with its last descriptor
        raise
    finally:
        _STAGE.reset(token)
    for fd, target, data in stage:
        if fd is None:
            _write_named(target, data)
        else:
            _publish(fd, target)
