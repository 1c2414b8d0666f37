"""Debian's headless Chromium for the real-browser tests (report, workbench): found, or installed with apt, or skipped.

One helper so every browser test installs and skips the same way: CI runs as
root on Debian, so a missing browser is installed once with apt; anywhere it
cannot be had the test is skipped saying why, never failed.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def chromium() -> str:
    """The Chromium binary; installs Debian's package when missing and possible, else skips saying why."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        try:
            subprocess.run(
                ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                capture_output=True,
                timeout=300,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
        except (subprocess.TimeoutExpired, OSError):
            pass
        found = shutil.which("chromium")
        if found:
            return found
    pytest.skip("headless Chromium is not installed and could not be installed (apt-get install chromium)")
