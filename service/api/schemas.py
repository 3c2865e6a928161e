"""Request and response bodies shared by the chat routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from service.chains.answer import Answer
from service.chains.rewrite import split_conversation
from service.citations.verify import Citation
from service.errors import InvalidInput
from service.retrieval.filters import Filters

MAX_MESSAGES = 50
MAX_MESSAGE_CHARS = 20_000
CONVERSATION_FACTOR = 4


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=MAX_MESSAGE_CHARS)


class ChatRequest(BaseModel):
    messages: list[Message] = Field(
        min_length=1, max_length=MAX_MESSAGES, description="The conversation so far; the last one is the question."
    )
    filters: Filters | None = None
    stream: bool = Field(False, description="Stream text as Server-Sent Events; the sources come once, at the end.")


class CitationOut(BaseModel):
    id: int = Field(description="The number of the [n] marker in the answer text.")
    article_id: str
    title: str
    outlet: str | None
    quote: str = Field(description="Verbatim sentence(s) of the article that support the claim.")
    start: int = Field(description="Offset of the quote in the article's cleaned text.")
    end: int
    chunk_id: str

    @classmethod
    def of(cls, c: Citation) -> CitationOut:
        return cls(
            id=c.n, article_id=c.article_id, title=c.title, outlet=c.outlet,
            quote=c.quote, start=c.start, end=c.end, chunk_id=c.chunk_id,
        )  # fmt: skip


class SentenceOut(BaseModel):
    text: str
    citations: list[int]
    unsupported: bool = Field(
        description="The cited sources don't state this sentence (or it doesn't answer the question): it is left out of `answer`."
    )
    reason: str = Field("", description="Why the sentence is unsupported.")


class ChatResponse(BaseModel):
    answer: str = Field(description="The answer, with [n] markers that refer to citations.")
    abstained: bool = Field(description="The articles don't answer the question.")
    question: str
    standalone_question: str
    sentences: list[SentenceOut]
    citations: list[CitationOut]
    unsupported: list[str] = Field(description="Drafted sentences left out of `answer` because no source states them.")
    closest: list[CitationOut] = Field(
        default_factory=list, description="When nothing drafted held up: the passages closest to the question, to read instead."
    )
    prompt_version: str
    model: str
    usage: dict[str, int]
    timings: dict[str, float]

    @classmethod
    def of(cls, a: Answer) -> ChatResponse:
        return cls(
            answer=a.text,
            abstained=a.abstained,
            question=a.question,
            standalone_question=a.standalone_question,
            sentences=[
                SentenceOut(text=s.text, citations=s.citations, unsupported=s.unsupported, reason=s.reason) for s in a.sentences
            ],
            citations=[CitationOut.of(c) for c in a.citations],
            unsupported=a.unsupported,
            closest=[CitationOut.of(c) for c in a.closest],
            prompt_version=a.prompt_version,
            model=a.model,
            usage=a.usage,
            timings=a.timings,
        )


def check_question(messages: list[dict[str, str]], max_chars: int) -> None:
    """Reject a bad conversation (empty, too long, not ending with a question) before it queues for the model.

    The whole conversation is capped too (at ``CONVERSATION_FACTOR`` questions' worth): earlier turns
    go into the follow-up rewriting prompt, and a long history costs minutes of prefill on a CPU
    model before it overflows the context window.
    """
    split_conversation(messages, max_chars)
    total, limit = sum(len(m["content"]) for m in messages), CONVERSATION_FACTOR * max_chars
    if total > limit:
        raise InvalidInput(f"the conversation is {total} characters; the limit is {limit}: send fewer earlier turns")
