"""The Events API endpoint on the FastAPI app: ``POST /slack/events`` (events, commands, button clicks)."""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from service.api.errors import error_body
from service.api.gate import ModelGate
from service.desk import Newsdesk
from service.settings import Settings
from service.slack.bot import build_app

EVENTS_PATH = "/slack/events"
MAX_AGE_S = 300


def is_signed(secret: bytes, body: bytes, timestamp: str | None, signature: str | None) -> bool:
    """Slack's v0 signature over the raw bytes, from the last five minutes (slack_sdk's verifier decodes first)."""
    if not timestamp or not signature or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_S:
        return False
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def slack_router(desk: Newsdesk, settings: Settings, gate: ModelGate | None = None) -> APIRouter:
    """Each request's signature and timestamp (within 5 minutes) are checked on the raw bytes before
    anything parses them: a bad one gets 401; a signed body that is not what Slack sends gets 400."""
    if settings.slack_bot_token is None or settings.slack_signing_secret is None:
        raise ValueError("Slack over HTTP needs NEWSDESK_SLACK_BOT_TOKEN and NEWSDESK_SLACK_SIGNING_SECRET")
    handler = AsyncSlackRequestHandler(build_app(desk, settings, gate))
    secret = settings.slack_signing_secret.get_secret_value().encode()
    router = APIRouter(tags=["slack"])

    @router.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        timestamp = request.headers.get("x-slack-request-timestamp")
        if not is_signed(secret, body, timestamp, request.headers.get("x-slack-signature")):
            return JSONResponse(error_body("unauthorized", "invalid or stale Slack signature"), status_code=401)
        try:
            return await handler.handle(request)
        except (UnicodeDecodeError, ValueError) as exc:  # signed, but not a body Slack sends
            return JSONResponse(error_body("bad_request", f"unreadable Slack request ({type(exc).__name__})"), status_code=400)

    return router


def mount_slack(app: FastAPI, desk: Newsdesk, settings: Settings, gate: ModelGate | None = None) -> None:
    """Serve the bot at ``/slack/events``; pass the API's model gate so Slack and the API share one queue."""
    app.include_router(slack_router(desk, settings, gate))
