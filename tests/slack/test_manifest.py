"""The app manifest asks Slack for exactly what the bot handles, at the path it serves."""

from __future__ import annotations

import yaml

from service.settings import PROJECT_ROOT
from service.slack.http import EVENTS_PATH


def test_the_manifest_matches_the_bot() -> None:
    manifest = yaml.safe_load((PROJECT_ROOT / "slack" / "manifest.yaml").read_text())
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/newsdesk"
    urls = [command["url"], settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert settings["interactivity"]["is_enabled"]  # feedback buttons
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {"app_mentions:read", "chat:write", "commands", "reactions:write", "channels:history", "im:history"}
    assert needed <= scopes
