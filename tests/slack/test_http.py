"""The Events API endpoint end to end: signed HTTP requests to uvicorn, Web API calls to the fake Slack."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import httpx
import pytest

from service.api.app import create_app
from service.errors import Unavailable
from service.settings import Settings
from tests.conftest import serve_in_thread
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, Post, StubDesk, event_body, mention, poster
from tests.slack.fake_slack import BOT_ID, BOT_USER_ID, FakeSlack

pytestmark = pytest.mark.server


def test_url_verification_echoes_the_challenge(post: Post, fake_slack: FakeSlack) -> None:
    resp = post({"token": "legacy", "challenge": "c-123", "type": "url_verification"})
    assert resp.status_code == 200
    assert resp.json() == {"challenge": "c-123"}


def test_a_bad_signature_is_rejected(post: Post, desk: StubDesk) -> None:
    resp = post(event_body(mention()), secret="not-the-secret")
    assert resp.status_code == 401
    time.sleep(0.3)
    assert desk.asked == []


def test_a_stale_timestamp_is_rejected_even_when_correctly_signed(post: Post, desk: StubDesk) -> None:
    resp = post(event_body(mention()), timestamp=int(time.time()) - 6 * 60)
    assert resp.status_code == 401
    assert post({"challenge": "c", "type": "url_verification"}, timestamp=int(time.time()) - 301).status_code == 401
    time.sleep(0.3)
    assert desk.asked == []


def test_a_mention_is_acknowledged_at_once_and_answered_in_its_thread(post: Post, fake_slack: FakeSlack, desk: StubDesk) -> None:
    desk.release.clear()  # the answer is still being worked on when the ack goes out
    started = time.monotonic()
    resp = post(event_body(mention("Who greeted Blinken?", ts="1700000000.000100")))
    assert resp.status_code == 200
    assert time.monotonic() - started < 3
    (added,) = fake_slack.wait_for("reactions.add")
    assert added.items() >= {"channel": "C0001", "timestamp": "1700000000.000100", "name": "eyes"}.items()
    assert fake_slack.called("chat.postMessage") == []
    assert fake_slack.called("reactions.remove") == []

    desk.release.set()
    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert posted["channel"] == "C0001"
    assert posted["thread_ts"] == "1700000000.000100"
    assert posted["text"] == "Yang Tao greeted Blinken [1]."
    blocks = posted["blocks"]
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert texts[0] == "Yang Tao greeted Blinken [1]."
    sources = next(t for t in texts if t.startswith("*Sources*"))
    assert "*[1]* Blinken in Beijing — Minute Mirror" in sources
    assert "> “Blinken was greeted by Yang Tao, a senior official.”" in sources
    context = next(b for b in blocks if b["type"] == "context")
    assert "answer@v1" in context["elements"][0]["text"] and "fake-model" in context["elements"][0]["text"]
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["feedback_helpful", "feedback_not_helpful"]

    (removed,) = fake_slack.wait_for("reactions.remove")
    assert removed == added
    assert desk.asked == [[{"role": "user", "content": "Who greeted Blinken?"}]]
    # The bot token authenticates every Web API call; auth.test ran once to learn the bot's ids.
    assert {c.authorization for c in fake_slack.calls} == {f"Bearer {BOT_TOKEN}"}
    assert len(fake_slack.called("auth.test")) == 1


def test_retries_and_repeated_deliveries_never_answer_twice(post: Post, fake_slack: FakeSlack, desk: StubDesk) -> None:
    desk.release.clear()
    body = event_body(mention(), event_id="EvRETRY")
    assert post(body).status_code == 200
    for n in (1, 2):
        retry = post(body, headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
        assert retry.status_code == 200
        assert retry.headers["x-slack-no-retry"] == "1"
    assert post(body).status_code == 200  # same event_id, no retry header
    desk.release.set()
    fake_slack.wait_for("reactions.remove")
    time.sleep(0.5)
    assert len(fake_slack.called("chat.postMessage")) == 1
    assert len(desk.asked) == 1


def test_a_retry_whose_first_delivery_never_arrived_is_answered_once(post: Post, fake_slack: FakeSlack, desk: StubDesk) -> None:
    lost = event_body(mention(ts="1700000000.000200"), event_id="EvLOST")
    assert post(lost, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}).status_code == 200
    assert post(lost, headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}).status_code == 200
    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert posted["thread_ts"] == "1700000000.000200"
    fake_slack.wait_for("reactions.remove")
    time.sleep(0.5)
    assert len(fake_slack.called("chat.postMessage")) == 1 and len(desk.asked) == 1


def test_two_workers_on_one_data_dir_answer_an_event_once(slack_settings: Settings, fake_slack: FakeSlack, desk: StubDesk) -> None:
    """Slack's retry may reach another worker than the first delivery did."""
    body = event_body(mention(), event_id="EvWORKERS")
    with serve_in_thread(create_app(desk=desk)) as one, serve_in_thread(create_app(desk=desk)) as two:  # type: ignore[arg-type]
        assert poster(one)(body).status_code == 200
        assert poster(two)(body, headers={"X-Slack-Retry-Num": "1"}).status_code == 200
        fake_slack.wait_for("reactions.remove")
        time.sleep(0.5)
    assert len(fake_slack.called("chat.postMessage")) == 1


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"{not json", {"content-type": "application/json"}),
        (b"\xff\xfe\x00garbage", {"content-type": "application/x-www-form-urlencoded"}),
        (b"payload=%7Bnope", {"content-type": "application/x-www-form-urlencoded"}),
        (b"", {}),
    ],
)
def test_unsigned_garbage_is_401_before_anything_parses_it(slack_url: str, desk: StubDesk, body: bytes, headers: dict) -> None:
    resp = httpx.post(f"{slack_url}/slack/events", content=body, headers=headers, timeout=10)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"\xff\xfe\x00garbage", "application/json"), (b"payload=%7Bnope", "application/x-www-form-urlencoded")],
)
def test_signed_garbage_is_400(slack_url: str, body: bytes, content_type: str) -> None:
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:%d:" % int(time.time()) + body, hashlib.sha256).hexdigest()
    headers = {
        "content-type": content_type,
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": f"v0={digest}",
    }
    resp = httpx.post(f"{slack_url}/slack/events", content=body, headers=headers, timeout=10)
    assert resp.status_code == 400, resp.text


def test_a_reply_in_a_thread_uses_the_thread_as_the_conversation(post: Post, fake_slack: FakeSlack, desk: StubDesk) -> None:
    parent = "1700000000.000100"
    fake_slack.replies[parent] = [
        {"ts": parent, "user": "UALICE", "text": f"<@{BOT_USER_ID}> Who visited Beijing?"},
        {"ts": "1700000000.000150", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "Antony Blinken did [1]."},
        {"ts": "1700000000.000170", "user": "UBOB", "text": "interesting &amp; <https://example.com|worrying>"},
        {"ts": "1700000000.000200", "user": "UALICE", "text": f"<@{BOT_USER_ID}> who greeted him?"},
    ]
    event = mention("who greeted him?", ts="1700000000.000200", thread_ts=parent)
    assert post(event_body(event)).status_code == 200

    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert posted["thread_ts"] == parent
    (replies,) = fake_slack.called("conversations.replies")
    assert replies["channel"] == "C0001" and replies["ts"] == parent
    assert desk.asked == [
        [
            {"role": "user", "content": "Who visited Beijing?"},
            {"role": "assistant", "content": "Antony Blinken did [1]."},
            {"role": "user", "content": "interesting & worrying"},
            {"role": "user", "content": "who greeted him?"},
        ]
    ]


def test_a_direct_message_is_answered_once(post: Post, fake_slack: FakeSlack, desk: StubDesk) -> None:
    dm = {"type": "message", "channel_type": "im", "channel": "D0001", "user": "UALICE", "text": "Who greeted Blinken?"}
    ts = "1700000000.000300"
    assert post(event_body({**dm, "ts": ts, "event_ts": ts}, event_id="EvDM")).status_code == 200
    # The bot's own post and message edits arrive as message events too: acknowledged, not answered.
    own = {**dm, "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": "1700000000.000400", "thread_ts": ts}
    assert post(event_body(own, event_id="EvOWN")).status_code == 200
    edit = {**dm, "subtype": "message_changed", "ts": "1700000000.000500"}
    assert post(event_body(edit, event_id="EvEDIT")).status_code == 200

    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert posted["channel"] == "D0001" and posted["thread_ts"] == ts
    fake_slack.wait_for("reactions.remove")
    time.sleep(0.3)
    assert len(fake_slack.called("chat.postMessage")) == 1
    assert desk.asked == [[{"role": "user", "content": "Who greeted Blinken?"}]]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Unavailable("Chroma server at x:1 is unreachable"), "unavailable right now"),
        (RuntimeError("boom"), "something went wrong"),
    ],
)
def test_a_failure_becomes_an_apology_in_the_thread(
    post: Post, fake_slack: FakeSlack, desk: StubDesk, error: Exception, expected: str
) -> None:
    desk.error = error
    assert post(event_body(mention())).status_code == 200
    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert posted["thread_ts"] == "1700000000.000100"
    assert posted["text"].startswith("Sorry") and expected in posted["text"]
    assert "x:1" not in posted["text"] and "boom" not in posted["text"]
    fake_slack.wait_for("reactions.remove")


def test_a_slow_answer_times_out_with_an_apology(slack_settings: Settings, fake_slack: FakeSlack, desk: StubDesk) -> None:
    desk.settings = slack_settings.model_copy(update={"request_timeout_s": 0.5})
    desk.release.clear()
    with serve_in_thread(create_app(desk=desk)) as base_url:  # type: ignore[arg-type]
        assert poster(base_url)(event_body(mention())).status_code == 200
        (posted,) = fake_slack.wait_for("chat.postMessage")
        desk.release.set()
    assert "took too long" in posted["text"]


def test_slash_ask_acks_ephemerally_then_posts_in_the_channel(post: Post, fake_slack: FakeSlack, desk: StubDesk) -> None:
    command = {
        "command": "/newsdesk",
        "text": "ask Who greeted Blinken?",
        "user_id": "UALICE",
        "channel_id": "C0002",
        "team_id": "T0001",
        "response_url": fake_slack.response_url(),
        "trigger_id": "1.2.3",
    }
    resp = post(command, form=True)
    assert resp.status_code == 200
    assert resp.json()["text"] == "Working on it…"
    assert resp.json()["response_type"] == "ephemeral"
    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert posted["channel"] == "C0002" and "thread_ts" not in posted
    assert posted["blocks"][0]["text"]["text"] == "<@UALICE> asked: Who greeted Blinken?"
    assert any(b["type"] == "section" and b["text"]["text"].startswith("*Sources*") for b in posted["blocks"])
    assert desk.asked == [[{"role": "user", "content": "Who greeted Blinken?"}]]


def test_slash_summarize_finds_the_article_by_title_words(post: Post, fake_slack: FakeSlack, desk: StubDesk) -> None:
    command = {"command": "/newsdesk", "text": "summarize rare china", "user_id": "UALICE", "channel_id": "C0002"}
    assert post({**command, "response_url": fake_slack.response_url()}, form=True).json()["text"] == "Working on it…"
    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert desk.summarized == [["art-2"]]
    texts = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    assert texts[0] == "<@UALICE> asked for a summary of rare china"
    assert texts[1] == "• Blinken was greeted by Yang Tao [1]."
    assert "summary@v1" in json.dumps(posted["blocks"])


def test_slash_failures_and_help_go_only_to_the_asker(post: Post, fake_slack: FakeSlack, desk: StubDesk) -> None:
    base = {"command": "/newsdesk", "user_id": "UALICE", "channel_id": "C0002"}
    usage = post({**base, "text": "", "response_url": fake_slack.response_url("help")}, form=True).json()
    assert usage["response_type"] == "ephemeral" and "Usage" in usage["text"]
    post({**base, "text": "summarize no such thing", "response_url": fake_slack.response_url("missing")}, form=True)
    (said,) = fake_slack.wait_for("response_url:missing")
    assert said["response_type"] == "ephemeral"
    assert said["text"].startswith("Sorry, I can't do that: no article has the id or a title containing")
    assert fake_slack.called("chat.postMessage") == []


def test_slash_answer_falls_back_to_the_response_url_outside_the_bots_channels(
    post: Post, fake_slack: FakeSlack, desk: StubDesk
) -> None:
    fake_slack.failing["chat.postMessage"] = "not_in_channel"
    command = {"command": "/newsdesk", "text": "ask Who greeted Blinken?", "user_id": "UALICE", "channel_id": "G0001"}
    post({**command, "response_url": fake_slack.response_url("private")}, form=True)
    (said,) = fake_slack.wait_for("response_url:private")
    assert said["response_type"] == "in_channel"
    assert said["text"] == "Yang Tao greeted Blinken [1]."


def test_feedback_clicks_are_recorded_for_eval_datasets(post: Post, fake_slack: FakeSlack, slack_settings: Settings) -> None:
    post(event_body(mention("Who greeted Blinken?")))
    (posted,) = fake_slack.wait_for("chat.postMessage")
    button = next(b for b in posted["blocks"] if b["type"] == "actions")["elements"][1]
    click = {
        "type": "block_actions",
        "user": {"id": "UBOB"},
        "team": {"id": "T0001"},
        "channel": {"id": "C0001"},
        "container": {"type": "message", "message_ts": "1700001000.000001", "channel_id": "C0001"},
        "message": {"ts": "1700001000.000001", "thread_ts": "1700000000.000100", "text": posted["text"]},
        "actions": [{**button, "block_id": "feedback", "type": "button", "action_ts": "1700001001.0"}],
        "response_url": fake_slack.response_url("click"),
        "trigger_id": "1.2.3",
    }
    assert post({"payload": json.dumps(click)}, form=True).status_code == 200
    (thanks,) = fake_slack.wait_for("chat.postEphemeral")
    assert thanks["user"] == "UBOB" and thanks["thread_ts"] == "1700000000.000100"
    (line,) = (slack_settings.data_dir / "feedback.jsonl").read_text().splitlines()
    entry = json.loads(line)
    assert entry["rating"] == "not_helpful"
    assert entry["question"] == "Who greeted Blinken?"
    assert entry["answer"] == "Yang Tao greeted Blinken [1]."
    assert (entry["prompt_version"], entry["model"], entry["kind"]) == ("answer@v1", "fake-model", "answer")
    assert (entry["user"], entry["channel"], entry["message_ts"]) == ("UBOB", "C0001", "1700001000.000001")


def test_secrets_never_reach_the_logs(post: Post, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    post(event_body(mention()))
    post(event_body(mention()), secret="wrong")
    fake_slack.wait_for("reactions.remove")
    assert "slack_sdk" in caplog.text  # the Web API client did log its requests at debug level
    assert BOT_TOKEN not in caplog.text and SIGNING_SECRET not in caplog.text


def test_a_failing_reaction_does_not_stop_the_answer(post: Post, fake_slack: FakeSlack) -> None:
    fake_slack.failing["reactions.add"] = "missing_scope"
    post(event_body(mention()))
    (posted,) = fake_slack.wait_for("chat.postMessage")
    assert posted["text"] == "Yang Tao greeted Blinken [1]."


def test_a_replayed_slash_command_runs_once(post: Post, fake_slack: FakeSlack, desk: StubDesk) -> None:
    command = {
        "command": "/newsdesk", "text": "ask Who greeted Blinken?", "user_id": "UALICE", "channel_id": "C0002",
        "team_id": "T0001", "response_url": fake_slack.response_url(), "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }  # fmt: skip
    now = int(time.time())
    replies = [post(command, form=True, timestamp=now) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 200]
    assert replies[0].json()["text"] == "Working on it…" and replies[1].content == replies[2].content == b""
    fake_slack.wait_for("chat.postMessage")
    time.sleep(0.5)
    assert len(fake_slack.called("chat.postMessage")) == 1 and len(desk.asked) == 1


def test_a_replayed_feedback_click_is_recorded_once(post: Post, fake_slack: FakeSlack, slack_settings: Settings) -> None:
    post(event_body(mention("Who greeted Blinken?")))
    (posted,) = fake_slack.wait_for("chat.postMessage")
    button = next(b for b in posted["blocks"] if b["type"] == "actions")["elements"][0]
    click = {
        "type": "block_actions", "user": {"id": "UBOB"}, "team": {"id": "T0001"}, "channel": {"id": "C0001"},
        "message": {"ts": "1700001000.000001", "text": posted["text"]},
        "actions": [{**button, "block_id": "feedback", "type": "button", "action_ts": "1700001001.0"}],
        "response_url": fake_slack.response_url("click"), "trigger_id": "9.8.7",
    }  # fmt: skip
    now = int(time.time())
    assert [post({"payload": json.dumps(click)}, form=True, timestamp=now).status_code for _ in range(3)] == [200] * 3
    fake_slack.wait_for("chat.postEphemeral")
    time.sleep(0.5)
    assert len(fake_slack.called("chat.postEphemeral")) == 1
    assert len((slack_settings.data_dir / "feedback.jsonl").read_text().splitlines()) == 1
