"""OpenAI-compatible ``POST /v1/chat/completions`` (and ``GET /v1/models``): the stock client works unchanged.

The answer text keeps its [n] markers; ``citations``, ``prompt_version``, ``unsupported`` and
``abstained`` are extra top-level fields. When streaming, the model's draft goes out as it is
written in a ``newsdesk_draft`` field of each chunk (stock clients ignore it), and the
``content`` deltas carry only the verified answer, so the text a stock client accumulates is
exactly the non-streaming ``message.content``. The last chunk carries the extras.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from service.api import generation
from service.api.auth import require_api_key
from service.api.errors import classify, error_body, error_responses, event_stream
from service.api.schemas import MAX_MESSAGE_CHARS, MAX_MESSAGES, CitationOut, check_question
from service.api.state import ApiState, State
from service.chains.answer import Answer
from service.retrieval.filters import Filters

router = APIRouter(
    prefix="/v1",
    tags=["openai"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 413, 422, 429, 503, 504),
)


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = Field(None, max_length=MAX_MESSAGE_CHARS)


class CompletionMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] | Annotated[list[TextPart], Field(max_length=100)] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    include_usage: bool = False


class CompletionRequest(BaseModel):
    """OpenAI's request body; sampling options are accepted and ignored (answers are deterministic)."""

    model_config = ConfigDict(extra="allow")
    model: str | None = Field(None, description="Ignored: the response names the model that answered.")
    messages: list[CompletionMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    stream_options: StreamOptions | None = None
    filters: Filters | None = Field(None, description="Newsdesk extra (the openai client's extra_body).")

    def conversation(self) -> list[dict[str, str]]:
        roles = {"developer": "system"}
        return [{"role": roles.get(m.role, m.role), "content": m.text()} for m in self.messages]


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class CompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[CitationOut]
    unsupported: list[str]
    abstained: bool
    prompt_version: str


def _extras(answer: Answer) -> dict[str, Any]:
    return {
        "citations": [CitationOut.of(c).model_dump() for c in answer.citations],
        "unsupported": answer.unsupported,
        "abstained": answer.abstained,
        "prompt_version": answer.prompt_version,
    }


@router.post(
    "/chat/completions",
    response_model=CompletionResponse,
    responses=event_stream("The completion (JSON), or chat.completion.chunk events ending with [DONE]"),
)
async def chat_completions(body: CompletionRequest, state: State) -> CompletionResponse | EventSourceResponse:
    messages = body.conversation()
    check_question(messages, state.settings.max_question_chars)

    def answer_stream():  # runs on the model thread
        return state.desk.answerer().stream(messages, body.filters)

    completion_id, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    if not body.stream:
        answer = await generation.generate(state.gate, answer_stream)
        state.metrics.observe_generation(answer.usage, answer.timings)
        return CompletionResponse(
            id=completion_id,
            created=created,
            model=answer.model,
            choices=[Choice(message=AssistantMessage(content=answer.text))],
            usage=Usage(**answer.usage),
            **_extras(answer),
        )
    items = generation.stream(state.gate, answer_stream)
    first = await anext(items)  # failures before the first token keep their HTTP status
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return EventSourceResponse(_chunks(state, completion_id, created, include_usage, first, items))


async def _chunks(
    state: ApiState, cid: str, created: int, include_usage: bool, first: str | Answer, rest: AsyncIterator[str | Answer]
) -> AsyncIterator[ServerSentEvent]:
    model = state.settings.chat_model_name

    def chunk(delta: dict[str, str], finish: str | None = None, **extra: Any) -> ServerSentEvent:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [choice]}
        return ServerSentEvent(json.dumps({**body, **extra}))

    yield chunk({"role": "assistant", "content": ""})
    item = first
    try:
        while not isinstance(item, Answer):
            yield chunk({}, newsdesk_draft=item)
            item = await anext(rest)
        state.metrics.observe_generation(item.usage, item.timings)
        yield chunk({"content": item.text})
        yield chunk({}, "stop", **_extras(item))
        if include_usage:
            usage = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": []}
            yield ServerSentEvent(json.dumps({**usage, "usage": Usage(**item.usage).model_dump()}))
    except Exception as exc:
        _status, code, message, _headers = classify(exc)
        yield ServerSentEvent(json.dumps(error_body(code, message)))
    finally:
        await rest.aclose()
    yield ServerSentEvent("[DONE]")


@router.get("/models")
def models(state: State) -> dict[str, Any]:
    """The one model that answers, in OpenAI's list format."""
    model = {"id": state.settings.chat_model_name, "object": "model", "created": 0, "owned_by": "newsdesk"}
    return {"object": "list", "data": [model]}
