"""The code blocks of the docs, and the library guide's first block run once per test session.

Why once: that block plans the demo branch jiangdong for its default week
with ``time_limit=30`` and the default two workers, the very call the
jiangdong roster test makes. Running it once and letting both tests check
the same plan saves a 30 s solve of CI's budget; the guide test still runs
every block, in order, from an empty folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tests.paths import REPO

LIBRARY_GUIDE = (REPO / "docs" / "guide" / "library.md").read_text(encoding="utf-8")


def blocks(text: str, lang: str) -> list[str]:
    """The fenced ``lang`` code blocks of a markdown text, in order."""
    return re.findall(r"```" + lang + r"\n(.*?)```", text, flags=re.S)


@dataclass
class FirstBlock:
    """What running the guide's first block left: its namespace (``p`` is the plan), its folder, and what that folder held after it."""

    code: str
    namespace: dict
    folder: Path
    top_level: list[str]
    written: list[str]


def run_first_block(folder: Path) -> FirstBlock:
    """Run the guide's first block in ``folder`` (an empty folder that sees the repository's instances/, as a user's checkout would)."""
    (folder / "instances").symlink_to(REPO / "instances")
    code = blocks(LIBRARY_GUIDE, "python")[0]
    namespace: dict = {}
    here = Path.cwd()
    os.chdir(folder)
    try:
        exec(compile(code, "README.md / docs/guide/library.md block 0", "exec"), namespace)
    finally:
        os.chdir(here)
    top_level = sorted(p.name for p in folder.iterdir())
    written = sorted(p.name for p in (folder / "out" / "jiangdong").iterdir()) if (folder / "out" / "jiangdong").is_dir() else []
    return FirstBlock(code, namespace, folder, top_level, written)
