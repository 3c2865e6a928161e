"""The Events API endpoint on the FastAPI app: ``POST /slack/events`` (events, commands, button clicks)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from service.api.gate import ModelGate
from service.desk import Newsdesk
from service.settings import Settings
from service.slack.bot import build_app

EVENTS_PATH = "/slack/events"


def slack_router(desk: Newsdesk, settings: Settings, gate: ModelGate | None = None) -> APIRouter:
    """Bolt verifies each request's signature and its timestamp (within 5 minutes); bad ones get 401."""
    if settings.slack_bot_token is None or settings.slack_signing_secret is None:
        raise ValueError("Slack over HTTP needs NEWSDESK_SLACK_BOT_TOKEN and NEWSDESK_SLACK_SIGNING_SECRET")
    handler = AsyncSlackRequestHandler(build_app(desk, settings, gate))
    router = APIRouter(tags=["slack"])

    @router.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    return router


def mount_slack(app: FastAPI, desk: Newsdesk, settings: Settings, gate: ModelGate | None = None) -> None:
    """Serve the bot at ``/slack/events``; pass the API's model gate so Slack and the API share one queue."""
    app.include_router(slack_router(desk, settings, gate))
