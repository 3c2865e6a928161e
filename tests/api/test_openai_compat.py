"""``/v1/chat/completions`` through the stock ``openai`` client, on the real embedded model."""

from __future__ import annotations

import re

import openai
import pytest

pytestmark = [pytest.mark.server]
QUESTION = "Where did Blinken meet Qin Gang?"
MODEL = "qwen2.5-coder-0.5b-instruct-q4"


@pytest.fixture(scope="module")
def client(api_server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api_server}/v1", api_key="unused", timeout=300, max_retries=0)


@pytest.mark.llm
def test_completion_keeps_markers_and_returns_citations(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="anything", messages=[{"role": "user", "content": QUESTION}])
    assert completion.model == MODEL  # the model that really answered, not the one asked for
    text = completion.choices[0].message.content
    extra = completion.model_extra
    assert extra["prompt_version"] == "answer@v3"
    assert extra["citations"], text
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    assert markers == {c["id"] for c in extra["citations"]}
    assert all(c["quote"] and c["article_id"] for c in extra["citations"])
    assert completion.usage.completion_tokens > 0


@pytest.mark.llm
def test_streaming_completion(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    drafted = [i for i, c in enumerate(chunks) if (c.model_extra or {}).get("newsdesk_draft")]
    with_content = [i for i, c in enumerate(chunks) if c.choices and c.choices[0].delta.content]
    assert drafted and with_content and max(drafted) < min(with_content)  # the draft streamed first, the checked text after
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(finals) == 1
    extra = finals[0].model_extra
    assert extra["citations"] and extra["prompt_version"] == "answer@v3"
    # What a stock client accumulates is the verified answer: markers that name the citations sent.
    assert {int(n) for n in re.findall(r"\[(\d+)\]", content)} == {c["id"] for c in extra["citations"]}
    assert all(c.model == MODEL for c in chunks)
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_models_and_errors(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == [MODEL]
    with pytest.raises(openai.UnprocessableEntityError, match="the last message must have role 'user'"):
        client.chat.completions.create(model=MODEL, messages=[{"role": "assistant", "content": "hi"}])
