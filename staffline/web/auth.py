"""Bearer-token access: with ``--token``, every request needs it (header, or the page's cookie).

The page cannot set a header on a link or a download, so after the login form
the token is kept in a same-site cookie; API clients send
``Authorization: Bearer TOKEN``. Tokens are compared in constant time.
"""

from __future__ import annotations

import secrets

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp

COOKIE = "staffline_token"

_LOGIN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>staffline workbench: sign in</title><link rel="icon" href="data:,"></head>
<body style="font-family:sans-serif;max-width:28em;margin:4em auto">
<h1>staffline workbench</h1><p>This workbench needs its access token (the <code>--token</code> it was started with).</p>
<form id="login"><label>Token <input id="token" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>
<script>
document.getElementById("login").addEventListener("submit", function (e) {
  e.preventDefault();
  document.cookie = "staffline_token=" + encodeURIComponent(document.getElementById("token").value) + "; path=/; SameSite=Strict";
  location.reload();
});
</script></body></html>"""


class TokenAuth(BaseHTTPMiddleware):
    """Refuse requests without the token: 401 JSON for the API, the login form for the page."""

    def __init__(self, app: ASGIApp, token: str):
        super().__init__(app)
        self.token = token

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else request.cookies.get(COOKIE, "")
        return secrets.compare_digest(given.encode(), self.token.encode())

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if self._authorised(request):
            return await call_next(request)
        if request.url.path == "/":
            return HTMLResponse(_LOGIN, status_code=401)
        return JSONResponse({"error": "missing or wrong token: send Authorization: Bearer TOKEN"}, status_code=401)
