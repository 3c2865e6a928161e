"""``newsdesk slack --socket`` as a user runs it: a real process on a WebSocket to the fake Slack."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from service.settings import Settings
from tests.conftest import BIN, stop
from tests.slack.conftest import APP_TOKEN, BOT_TOKEN, event_body, mention
from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.server


def test_socket_mode_answers_a_mention_once_and_acks_every_envelope(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(tmp_path),  # an empty store: the bot answers that the articles don't say
        "NEWSDESK_SLACK_BOT_TOKEN": BOT_TOKEN,
        "NEWSDESK_SLACK_APP_TOKEN": APP_TOKEN,
        "NEWSDESK_SLACK_API_URL": fake_slack.api_url,
    }
    proc = subprocess.Popen([str(BIN / "newsdesk"), "slack", "--socket"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        fake_slack.wait_connected(timeout=120)
        assert [c.authorization for c in fake_slack.calls if c.method == "apps.connections.open"] == [f"Bearer {APP_TOKEN}"]
        body = event_body(mention("Who greeted Blinken?", ts="1700000000.000100"), event_id="EvSOCKET")
        fake_slack.send_envelope({"envelope_id": "env-1", "type": "events_api", "payload": body})
        fake_slack.send_envelope({"envelope_id": "env-2", "type": "events_api", "payload": body, "retry_attempt": 1})

        (posted,) = fake_slack.wait_for("chat.postMessage", timeout=120)
        assert posted["text"] == "The articles don't say."
        assert posted["channel"] == "C0001" and posted["thread_ts"] == "1700000000.000100"
        assert any(b["type"] == "context" and Settings().answer_prompt in b["elements"][0]["text"] for b in posted["blocks"])
        fake_slack.wait_for("reactions.remove")
        assert {a["envelope_id"] for a in fake_slack.acks} == {"env-1", "env-2"}
        assert len(fake_slack.called("chat.postMessage")) == 1
    finally:
        stop(proc)
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert "connected over Socket Mode" in output
    assert BOT_TOKEN not in output and APP_TOKEN not in output
