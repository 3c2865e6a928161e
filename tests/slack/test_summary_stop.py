"""A summary asked for in Slack stops when its request is abandoned, as an answer does."""

from __future__ import annotations

import pytest

from service.api.app import create_app
from service.settings import Settings
from tests.conftest import serve_in_thread
from tests.slack.conftest import StubDesk, poster
from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.server


def test_a_timed_out_slack_summary_frees_the_model(slack_settings: Settings, fake_slack: FakeSlack, desk: StubDesk) -> None:
    desk.settings = slack_settings.model_copy(update={"request_timeout_s": 0.5})
    desk.release.clear()  # the summary would run until the test ends, unless it is told to stop
    command = {"command": "/newsdesk", "text": "summarize", "user_id": "UALICE", "channel_id": "C0002"}
    with serve_in_thread(create_app(desk=desk)) as base_url:  # type: ignore[arg-type]
        poster(base_url)({**command, "response_url": fake_slack.response_url("slow")}, form=True)
        (said,) = fake_slack.wait_for("response_url:slow")
        ended = desk.summary_ended.wait(5)
        desk.release.set()
    assert said["response_type"] == "ephemeral" and "took too long" in said["text"]
    assert ended, "the abandoned summary kept the model until it was released"
    assert fake_slack.called("chat.postMessage") == []
