"""Browser-facing policy: which Host headers are served and which foreign origins may call the API.

CORS headers alone do not stop a foreign page: a "simple" cross-origin POST (a form upload) is
executed by the server even though the page cannot read the answer. So a request whose
``Origin`` is neither this server nor in ``CORS_ORIGINS`` is refused (403) before any route runs.
The Host check stops DNS rebinding: a page on ``evil.test`` that resolves to 127.0.0.1 reaches a
loopback server with ``Host: evil.test``; on a loopback connection only loopback names are served
unless ``ALLOWED_HOSTS`` says otherwise.
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def _host_name(host: str) -> str:
    """``example.com:8000`` -> ``example.com``; ``[::1]:8000`` -> ``::1``."""
    return urlsplit(f"//{host}").hostname or ""


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _matches(name: str, patterns: list[str]) -> bool:
    return any(p == "*" or name == p or (p.startswith("*.") and name.endswith(p[1:])) for p in patterns)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class WebPolicy:
    """Pure ASGI middleware; ``allowed_hosts=None``: loopback names on loopback connections, anything otherwise."""

    def __init__(self, app: ASGIApp, cors_origins: list[str], allowed_hosts: list[str] | None) -> None:
        self.app = app
        self.origins = [o.rstrip("/") for o in cors_origins]
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if not self._host_allowed(_host_name(host), scope):
            message = f"the Host header {host!r} is not served here; add it to NEWSDESK_ALLOWED_HOSTS"
            await _refuse(send, 400, "bad_request", message)
            return
        origin = headers.get("origin")
        if origin and not self._origin_allowed(origin, host):
            message = f"requests from the origin {origin!r} are not allowed; add it to NEWSDESK_CORS_ORIGINS"
            await _refuse(send, 403, "forbidden", message)
            return
        await self.app(scope, receive, send)

    def _host_allowed(self, name: str, scope: Scope) -> bool:
        if self.allowed_hosts is not None:
            return _matches(name, self.allowed_hosts)
        server = scope.get("server")
        return not (server and _is_loopback(server[0])) or name in LOOPBACK_NAMES

    def _origin_allowed(self, origin: str, host: str) -> bool:
        if "*" in self.origins or origin.rstrip("/") in self.origins:
            return True
        return urlsplit(origin).netloc == host  # same origin: the chat page served by this app
