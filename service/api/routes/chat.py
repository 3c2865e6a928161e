"""``POST /v1/chat``: a cited answer, whole or streamed as Server-Sent Events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends
from sse_starlette import EventSourceResponse, ServerSentEvent

from service.api import generation
from service.api.auth import require_api_key
from service.api.errors import classify, error_body, error_responses, event_stream
from service.api.schemas import ChatRequest, ChatResponse, check_question
from service.api.state import ApiState, State
from service.chains.answer import Answer

router = APIRouter(
    prefix="/v1",
    tags=["chat"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 413, 422, 429, 503, 504),
)

_STREAM_DOC = (
    'With `stream: true`: `event: token` events (`{"text": delta}`) as the model writes, then one '
    "`event: answer` with the whole verified answer (the ChatResponse body: text with [n] markers, "
    'citations with quotes), or `event: error` (`{"error": {code, message}}`) if it fails midway.'
)


@router.post(
    "/chat",
    response_model=ChatResponse,
    description="Answer the last user message from the stored articles, every claim cited. Stateless: "
    "send the earlier turns for follow-ups. " + _STREAM_DOC,
    responses=event_stream("The answer (JSON), or a stream of events", ["token", "answer", "error"]),
)
async def chat(body: ChatRequest, state: State) -> ChatResponse | EventSourceResponse:
    messages = [m.model_dump() for m in body.messages]
    check_question(messages, state.settings.max_question_chars)

    def answer_stream():  # runs on the model thread
        return state.desk.answerer().stream(messages, body.filters)

    if not body.stream:
        answer = await generation.generate(state.gate, answer_stream)
        state.metrics.observe_generation(answer.usage, answer.timings)
        return ChatResponse.of(answer)
    items = generation.stream(state.gate, answer_stream)
    first = await anext(items)  # failures before the first token keep their HTTP status
    return EventSourceResponse(_events(state, first, items))


async def _events(state: ApiState, first: str | Answer, rest: AsyncIterator[str | Answer]) -> AsyncIterator[ServerSentEvent]:
    item = first
    try:
        while True:
            if isinstance(item, Answer):
                state.metrics.observe_generation(item.usage, item.timings)
                yield ServerSentEvent(ChatResponse.of(item).model_dump_json(), event="answer")
                return
            yield ServerSentEvent(json.dumps({"text": item}), event="token")
            item = await anext(rest)
    except Exception as exc:
        _status, code, message, _headers = classify(exc)
        yield ServerSentEvent(json.dumps(error_body(code, message)), event="error")
    finally:
        await rest.aclose()
