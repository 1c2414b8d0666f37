"""`staffline serve`: the planner workbench (web page and REST API) over a folder of branches."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import click

from staffline.cli.common import EXIT_BAD_INPUT


def is_loopback(host: str) -> bool:
    """True when ``host`` only ever reaches this machine (127.0.0.0/8, ::1, or a name resolving only there)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses)


@click.command()
@click.argument("root", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; anything but loopback needs --token.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--token", default=None, envvar="STAFFLINE_TOKEN", help="Access token: the page and the API then need `Authorization: Bearer TOKEN`."
)
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 64), help="Plans of different branches run at once.")
@click.option(
    "--max-queued",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Plans that may wait in the queue at once; more are refused (429) until some have run.",
)
@click.option(
    "--db", "db_url", default=None, metavar="URL", help="SQLAlchemy URL of the plan store  [default: sqlite under DIR/.staffline/]"
)
def serve(root: Path, host: str, port: int, token: str | None, jobs: int, max_queued: int, db_url: str | None) -> None:
    """Start the planner workbench: each instance folder directly under DIR is a branch.

    Open http://HOST:PORT/ for the page; the JSON API is under /api and its
    schema at /openapi.json. Plans and their outputs are kept under
    DIR/.staffline/ (database, plans/<id>/, published/<branch>/).
    """
    if not is_loopback(host) and not token:
        click.echo(f"error: --host {host} is reachable from other machines; give --token TOKEN (or listen on 127.0.0.1)", err=True)
        raise SystemExit(EXIT_BAD_INPUT)
    import uvicorn

    from staffline.web import create_app

    # without a token, only requests addressed to this machine by name: a rebound DNS name is refused
    hosts = None if token else ["127.0.0.1", "localhost", "::1", "[::1]", host]
    app = create_app(root, db_url=db_url, token=token, jobs=jobs, allowed_hosts=hosts, max_queued=max_queued)
    click.echo(f"staffline workbench on http://{host}:{port}/ serving {root.resolve()} (Ctrl+C stops)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
