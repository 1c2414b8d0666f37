"""Branches: the instance folders directly under the served directory, and nothing else.

A branch name comes from a URL, so it is untrusted: it must be a plain folder
name (no separators, no ``..``, no leading dot) that names an existing folder
directly under the root with a ``branch.toml``. Anything else is "unknown
branch" (404), which keeps every read inside the served directory.
"""

from __future__ import annotations

import hashlib
import re
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


def branch_summary(instance: Instance, name: str) -> dict:
    """``{"name", "staff", "roles"}`` for the branch list: staff count and certified staff per role."""
    return {"name": name, "staff": len(instance.staff), "roles": {r: len(instance.certified(r)) for r in instance.branch.role_names}}
