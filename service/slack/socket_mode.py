"""Socket Mode: the bot over a WebSocket that it opens to Slack, for hosts Slack cannot reach."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from service.desk import Newsdesk
from service.settings import Settings
from service.slack.bot import build_app


def socket_mode_handler(desk: Newsdesk, settings: Settings) -> AsyncSocketModeHandler:
    if settings.slack_app_token is None:
        raise ValueError("Socket Mode needs an app-level token (xapp-…) in NEWSDESK_SLACK_APP_TOKEN")
    return AsyncSocketModeHandler(build_app(desk, settings), settings.slack_app_token.get_secret_value())


async def run_socket_mode(desk: Newsdesk, settings: Settings) -> None:
    """Connect and serve until cancelled."""
    await socket_mode_handler(desk, settings).start_async()
