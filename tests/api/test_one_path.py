"""One question through every surface on the real embedded model: the same verified answer everywhere.

The CLI, ``/v1/chat`` (JSON and SSE), ``/v1/chat/completions`` (JSON and streamed, as a stock
client accumulates it) and the Slack bot all run one pipeline; each must show the same text,
markers and quotes (the eval measures that same pipeline through ``Answerer.answer``).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx
import openai
import pytest

from service.api.app import create_app
from service.desk import Newsdesk
from service.settings import Settings
from service.slack.blocks import escape
from tests.api.conftest import sse_events
from tests.conftest import BIN, serve_in_thread, suite_env
from tests.slack.conftest import event_body, mention, poster, with_slack
from tests.slack.fake_slack import FakeSlack

pytestmark = [pytest.mark.llm, pytest.mark.server]
QUESTION = "Who greeted Blinken when he arrived in Beijing?"


def quotes(citations: list[dict[str, Any]]) -> list[tuple[int, str, int, int]]:
    return [(c.get("id", c.get("n")), c["quote"], c["start"], c["end"]) for c in citations]


def test_every_surface_gives_the_same_verified_answer(api_server: str, seeded_settings: Settings) -> None:
    env = suite_env()
    cli = subprocess.run(
        [str(BIN / "newsdesk"), "ask", QUESTION, "--json"],
        env={**env, "NEWSDESK_DATA_DIR": str(seeded_settings.data_dir)},
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    expected = json.loads(cli.stdout)
    assert not expected["abstained"] and expected["citations"], expected["text"]
    want = (expected["text"], quotes(expected["citations"]))

    body = {"messages": [{"role": "user", "content": QUESTION}]}
    chat = httpx.post(f"{api_server}/v1/chat", json=body, timeout=300).json()
    assert (chat["answer"], quotes(chat["citations"])) == want

    with httpx.stream("POST", f"{api_server}/v1/chat", json={**body, "stream": True}, timeout=300) as response:
        events = list(sse_events(response.iter_lines()))
    final = json.loads(next(data for event, data in events if event == "answer"))
    assert (final["answer"], quotes(final["citations"])) == want

    client = openai.OpenAI(base_url=f"{api_server}/v1", api_key="unused", timeout=300, max_retries=0)
    completion = client.chat.completions.create(model="newsdesk", messages=body["messages"])
    assert (completion.choices[0].message.content, quotes(completion.model_extra["citations"])) == want
    chunks = list(client.chat.completions.create(model="newsdesk", messages=body["messages"], stream=True))
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    streamed_citations = next(c.model_extra["citations"] for c in chunks if c.choices and c.choices[0].finish_reason)
    assert (content, quotes(streamed_citations)) == want

    fake = FakeSlack().start()
    try:
        settings = with_slack(seeded_settings, fake).model_copy(update={"request_timeout_s": 300.0})
        with serve_in_thread(create_app(desk=Newsdesk(settings))) as base_url:
            event = mention(QUESTION, ts="1700000100.000100")
            assert poster(base_url)(event_body(event, event_id="EvOnePath")).status_code == 200
            (posted,) = fake.wait_for("chat.postMessage", timeout=400)
    finally:
        fake.stop()
    assert posted["text"] == expected["text"]
    sources = next(b["text"]["text"] for b in posted["blocks"] if b["type"] == "section" and "*Sources*" in b["text"]["text"])
    assert all(f"*[{c['n']}]*" in sources and escape(c["quote"][:60]) in sources for c in expected["citations"])
