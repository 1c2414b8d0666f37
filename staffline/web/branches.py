"""Branches: the instance folders directly under the served directory, and nothing else.

A branch name comes from a URL, so it is untrusted: it must be a plain folder
name (no separators, no ``..``, no leading dot) that names an existing folder
directly under the root with a ``branch.toml``. Anything else is "unknown
branch" (404), which keeps every read inside the served directory.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

from staffline.api import load_instance
from staffline.model import Instance

_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")


class UnknownBranch(LookupError):
    """No branch by that name (or a name that is not a plain folder name)."""


def branch_names(root: Path) -> list[str]:
    """Instance folders directly under ``root`` (real folders with a branch.toml, not symlinks), sorted."""
    return sorted(p.name for p in root.iterdir() if _is_branch(root, p.name))


def branch_dir(root: Path, name: str) -> Path:
    """The folder of branch ``name``; raises :class:`UnknownBranch` for anything :func:`branch_names` would not list."""
    if not _is_branch(root, name):
        raise UnknownBranch(name)
    return root / name


def _is_branch(root: Path, name: str) -> bool:
    if not _PLAIN.match(name) or ".." in name:
        return False
    folder = root / name
    # no symlinks, and resolve() must agree: the folder really sits directly under root
    return not folder.is_symlink() and folder.is_dir() and folder.resolve().parent == root.resolve() and (folder / "branch.toml").is_file()


def inputs_hash(folder: Path) -> str:
    """SHA-256 over the branch's input files (names and bytes), so a plan records exactly what it was made from."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in {".toml", ".csv", ".parquet"}):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load_branch(root: Path, name: str) -> Instance:
    """Load and validate a branch (raises ``InputError`` with every problem, as ``staffline validate`` does)."""
    return load_instance(branch_dir(root, name))


class BranchCache:
    """Loaded branches, loaded again only when one of their input files changed.

    Loading validates a branch's whole history, which takes a noticeable
    moment per branch, and the page lists every branch on each visit. The key
    is the name, size and modification time of each file in the branch folder
    (and the folder's own, so an added or removed file counts) plus the
    history file's when ``branch.toml`` names one elsewhere: an edited input
    is read again at once, an unchanged branch is not. Not cached: a branch
    whose history is in a database (rows arrive without any file changing)
    and a branch with bad inputs (the planner is fixing it; every look shows
    the current problems). Worker processes load their branch afresh.
    """

    def __init__(self, root: Path):
        self.root = root
        self._loaded: dict[str, tuple[tuple, Path | None, Instance]] = {}
        self._lock = threading.Lock()

    def load(self, name: str) -> Instance:
        """As :func:`load_branch` (``InputError`` with the problems), from the cache when nothing changed."""
        folder = branch_dir(self.root, name)
        with self._lock:
            cached = self._loaded.get(name)
        if cached is not None and cached[0] == (_fingerprint(folder), _stat(cached[1])):
            return cached[2]
        before = _fingerprint(folder)  # taken before reading: an edit made during the load is seen next time
        instance = load_instance(folder)
        source = instance.branch.history
        if source is None or "://" not in source.location:
            history = folder / source.location if source is not None else None
            with self._lock:
                self._loaded[name] = ((before, _stat(history)), history, instance)
        return instance


def _fingerprint(folder: Path) -> tuple:
    """Size and modification time of the folder and of each file in it."""
    return tuple((p.name, *_stat(p)) for p in [folder, *sorted(p for p in folder.iterdir() if p.is_file())])


def _stat(path: Path | None) -> tuple[int, int]:
    if path is None:
        return (0, 0)
    try:
        s = path.stat()
    except OSError:
        return (-1, -1)
    return (s.st_size, s.st_mtime_ns)


def branch_summary(instance: Instance, name: str) -> dict:
    """``{"name", "staff", "roles"}`` for the branch list: staff count and certified staff per role."""
    return {"name": name, "staff": len(instance.staff), "roles": {r: len(instance.certified(r)) for r in instance.branch.role_names}}
