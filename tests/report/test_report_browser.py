"""report.html in a real browser: headless Chromium loads it offline, draws every chart, logs no error."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from staffline.cli import main
from tests.browser import chromium


@pytest.mark.slow
def test_report_renders_in_headless_chromium_without_errors(runs, tmp_path):
    assert CliRunner().invoke(main, ["report", str(runs / "base")]).exit_code == 0
    page = (runs / "base" / "report.html").resolve()
    shot = tmp_path / "page.png"
    base = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<img") == 4 and "Key figures" in dom.stdout
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Failed to load" in line]
    assert console == [], console
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri()], capture_output=True, timeout=120)
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)[..., :3].reshape(-1, 3)
    colours = {tuple(p) for p in (pixels[:: max(1, len(pixels) // 50000)] * 255).astype(int)}
    assert len(colours) > 50  # charts drawn: a blank or text-only page has a handful of colours
