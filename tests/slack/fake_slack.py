"""A tiny fake of Slack on loopback: the Web API methods the bot calls, response URLs, Socket Mode.

It runs an aiohttp server in its own thread and records every call, so tests assert on what the
bot really sent over HTTP (the bot's ``AsyncWebClient`` points at ``api_url``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    authorization: str


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.replies: dict[str, list[dict[str, Any]]] = {}  # thread ts -> conversations.replies messages
        self.failing: dict[str, str] = {}  # method -> Slack error code to answer with
        self.acks: list[dict[str, Any]] = []  # Socket Mode envelope acknowledgements
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._sockets: list[web.WebSocketResponse] = []
        self._connected = threading.Event()
        self._started = threading.Event()
        self.port = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("the fake Slack server did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket", self._socket)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str = "cmd") -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # --- what the bot did ------------------------------------------------------------------

    def called(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.args for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.called(method)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{method} called {len(self.called(method))} times within {timeout}s, wanted {count}")

    # --- handlers --------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for key in ("blocks", "attachments"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _record(self, method: str, args: dict[str, Any], authorization: str) -> None:
        with self._lock:
            self.calls.append(Call(method, args, authorization))

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        self._record(method, args, request.headers.get("Authorization", ""))
        if method in self.failing:
            return web.json_response({"ok": False, "error": self.failing[method]})
        return web.json_response({"ok": True, **self._result(method, args)})

    def _result(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "user": "newsdesk"}
        if method == "chat.postMessage":
            ts = f"1700001000.{next(self._ts):06d}"
            return {"channel": args.get("channel"), "ts": ts, "message": {"text": args.get("text"), "ts": ts}}
        if method == "conversations.replies":
            return {"messages": self.replies.get(str(args.get("ts")), []), "has_more": False}
        if method == "apps.connections.open":
            return {"url": f"ws://127.0.0.1:{self.port}/socket"}
        return {}

    async def _response_url(self, request: web.Request) -> web.Response:
        self._record(f"response_url:{request.match_info['key']}", await request.json(), "")
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        self._connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                with self._lock:
                    self.acks.append(json.loads(message.data))
        return ws

    # --- Socket Mode -------------------------------------------------------------------------

    def wait_connected(self, timeout: float = 30) -> None:
        if not self._connected.wait(timeout):
            raise AssertionError("nothing connected to the fake Socket Mode endpoint")

    def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to the connected client."""
        ws = self._sockets[-1]
        asyncio.run_coroutine_threadsafe(ws.send_json(envelope), self._loop).result(5)
