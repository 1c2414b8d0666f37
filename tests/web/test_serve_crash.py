"""A crashed server leaves no worker behind: ``staffline serve`` killed with SIGKILL while a plan runs.

The workers fork from a fork server, not from the server itself, so their
parent survives the server for as long as any worker does; each worker's
watchdog therefore watches the server process, and ends its worker within
about a second of the server's death.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from staffline.io import write_instance
from staffline.synthetic import generate_instance


def _request(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.mark.slow
def test_killing_the_server_ends_its_running_workers(tmp_path):
    write_instance(generate_instance(5, 2, weeks=3, seed=4), tmp_path / "west")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "staffline", "serve", str(tmp_path), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
        while True:
            try:
                _request(url + "/api/branches")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        _request(url + "/api/branches/west/plans", {"time_limit": 300, "workers": 1})
        workers: list[psutil.Process] = []
        while not workers:  # the solver's process: a descendant of the server that is not the fork server or resource tracker
            assert time.monotonic() < deadline, "no worker process started"
            time.sleep(0.2)
            workers = [
                p for p in psutil.Process(server.pid).children(recursive=True) if p.parent() is not None and p.parent().pid != server.pid
            ]
        server.kill()
        server.wait()
        gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"workers still running 10 s after the server died: {[p.pid for p in alive]}"
    finally:
        if server.poll() is None:
            server.kill()
