"""Fitted forecast models kept on disk between runs, under the user's cache folder.

Why: choosing the forecast model (``auto`` scores eight candidates on eight
rolling weeks) takes about 4-5 s on jiangdong's year of tickets on an idle
2-core machine and 10-20 s under load, and it counts against the run's
``--time-limit``: a 15 s run under load had 1.7 s left for the roster and
ended without one. The in-process cache (:mod:`.fit_cache`) does not help
the separate processes a planner starts: each CLI run, each workbench
worker, each cron job on an unchanged history. A fit depends only on the
slot counts, the model's settings and the forecasting code, so a digest of
all three names the file; a changed ticket or a changed model file is a miss.

Where: ``$STAFFLINE_CACHE_DIR`` or, without it, the platform's user cache
folder (``~/.cache/staffline/forecast-fits`` on Linux, via platformdirs).
``STAFFLINE_CACHE_DIR=off`` turns the store off. Files are written to a
temporary name and renamed, so concurrent runs never read half a file; an
unreadable file counts as a miss and is replaced. Only the
:data:`KEEP` most recently used files stay.

The files are pickles read back by the same user who wrote them, in a
folder only that user writes to by default: the same trust as the
package's own code. Pointing ``STAFFLINE_CACHE_DIR`` at a folder others
can write to would let them run code in staffline's process.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import platformdirs

ENV = "STAFFLINE_CACHE_DIR"
OFF = ("off", "0", "none", "")
KEEP = 32  # files kept (one fit of a branch-year is about 1-3 MB)
SUFFIX = ".fit.pickle"


def store_folder() -> Path | None:
    """The folder fits are kept in, or None when the store is off."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in OFF else Path(chosen)
    return Path(platformdirs.user_cache_dir("staffline")) / "forecast-fits"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the forecasting code: this package's source and the versions of what fits with it.

    A changed model file, another staffline release or another holidays,
    numpy or pandas version makes every stored fit a miss.
    """
    digest = hashlib.sha256()
    for package in ("staffline", "holidays", "numpy", "pandas"):
        try:
            digest.update(f"{package} {metadata.version(package)};".encode())
        except metadata.PackageNotFoundError:  # a source tree never installed
            digest.update(f"{package} unknown;".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()


def _path(folder: Path, key: tuple) -> Path:
    name = hashlib.sha256(repr((key, code_digest())).encode()).hexdigest()[:32]
    return folder / f"{name}{SUFFIX}"


def load(key: tuple) -> Any | None:
    """The stored fit for ``key``, or None (store off, no file, or a file that does not read back)."""
    folder = store_folder()
    if folder is None:
        return None
    path = _path(folder, key)
    try:
        with open(path, "rb") as handle:
            value = pickle.load(handle)
        os.utime(path)  # recently used: kept by the pruning
        return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError):
        return None


def save(key: tuple, value: Any) -> None:
    """Store ``value`` for ``key`` (temporary file, then rename); a folder that cannot be written leaves the run as it was."""
    folder = store_folder()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, _path(folder, key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(folder)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return  # a cache is an optimisation: a read-only home or an unpicklable model costs only the refit


def _prune(folder: Path) -> None:
    """Keep the :data:`KEEP` most recently used fits."""
    files = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)
