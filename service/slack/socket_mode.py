"""Socket Mode: the bot over a WebSocket that it opens to Slack, for hosts Slack cannot reach."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from service.desk import Newsdesk
from service.settings import Settings
from service.slack.bot import build_app


async def run_socket_mode(desk: Newsdesk, settings: Settings, on_connected: Callable[[], None] = lambda: None) -> None:
    """Connect with the app-level token and serve until cancelled."""
    if settings.slack_app_token is None:
        raise ValueError("Socket Mode needs an app-level token (xapp-…) in NEWSDESK_SLACK_APP_TOKEN")
    app = build_app(desk, settings)
    handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    try:
        # Bad tokens or no route to Slack fail here, once; the client would otherwise retry forever.
        await app.client.auth_test()
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
        await handler.connect_async()
        on_connected()
        await asyncio.Event().wait()
    finally:
        await handler.close_async()
