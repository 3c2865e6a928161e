"""The answering chain (LCEL): rewrite follow-up -> hybrid retrieval -> JSON draft -> verified citations."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough
from langchain_core.utils.json import parse_partial_json

from service.chains.rewrite import build_rewrite_chain, split_conversation
from service.citations.verify import Citation, Draft, Sentence, Source, parse_prose, verify
from service.models.errors import model_errors
from service.models.factory import response_format
from service.prompts import PromptSpec
from service.retrieval.coverage import coverage, terms
from service.retrieval.filters import Filters
from service.retrieval.hybrid import HybridRetriever
from service.settings import Settings
from service.store.chroma import ArticleStore


@dataclass
class Answer:
    question: str
    standalone_question: str
    text: str
    abstained: bool
    sentences: list[Sentence]
    citations: list[Citation]
    sources: list[Source]
    prompt_version: str
    model: str
    removed_markers: int = 0
    corrected_markers: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def unsupported(self) -> list[str]:
        return [s.text for s in self.sentences if s.unsupported]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unsupported"] = self.unsupported
        return data


def to_sources(docs: list[Document]) -> list[Source]:
    return [
        Source(
            n=n,
            chunk_id=str(d.id),
            article_id=d.metadata["article_id"],
            title=d.metadata.get("title", ""),
            outlet=d.metadata.get("outlet"),
            text=d.page_content,
            start=int(d.metadata["start"]),
        )
        for n, d in enumerate(docs, 1)
    ]


def format_sources(spec: PromptSpec, sources: list[Source]) -> str:
    fmt = spec.extra.get("source_format", "[{n}] {text}")
    return "\n".join(fmt.format(n=s.n, outlet=s.outlet or "unknown outlet", title=s.title, text=s.text) for s in sources)


def parse_drafts(raw: str) -> tuple[bool, list[Draft]]:
    """(anything drafted, drafts) from the model's JSON.

    Output cut off by the token limit still yields its complete sentences; output that is not
    JSON at all is read as prose with inline [n] markers.
    """
    start = raw.find("{")
    if start < 0:
        drafts = parse_prose(raw)
        return bool(drafts), drafts
    data = parse_partial_json(raw[start:])
    if not isinstance(data, dict):
        drafts = parse_prose(raw)
        return bool(drafts), drafts
    drafts = [
        Draft(text=str(s["text"]), sources=[int(n) for n in s["sources"] if isinstance(n, int | float)])
        for s in data.get("sentences", []) or []
        if isinstance(s, dict) and isinstance(s.get("text"), str) and isinstance(s.get("sources"), list)
    ]
    return bool(drafts), drafts


def visible_text(raw: str) -> str:
    """The sentence texts of a partial JSON draft, for streaming while the model writes."""
    data = parse_partial_json(raw[raw.find("{") :]) if "{" in raw else None
    if not isinstance(data, dict):
        return ""
    texts = [str(s.get("text", "")) for s in data.get("sentences", []) or [] if isinstance(s, dict)]
    return " ".join(t for t in texts if t)


def usage_of(message: AIMessage) -> dict[str, int]:
    meta = message.usage_metadata or {}
    return {
        "prompt_tokens": meta.get("input_tokens", 0),
        "completion_tokens": meta.get("output_tokens", 0),
        "total_tokens": meta.get("total_tokens", 0),
    }


class Answerer:
    """Builds and runs the answering chain for one prompt version and model."""

    def __init__(
        self,
        store: ArticleStore,
        llm: BaseChatModel,
        settings: Settings,
        prompt: PromptSpec,
        rewrite_prompt: PromptSpec,
    ) -> None:
        self.store = store
        self.settings = settings
        self.prompt = prompt
        self.model_name = settings.chat_model_name
        schema = prompt.output_schema
        self.llm: Runnable = llm.bind(response_format=response_format(settings, schema)) if schema else llm
        self.rewrite = build_rewrite_chain(llm, rewrite_prompt)

    # --- chain pieces -----------------------------------------------------------------

    def _prepare(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Rewrite a follow-up, retrieve, and lay out the prompt: everything before generation."""
        started = time.perf_counter()
        question, history = split_conversation(inputs["messages"], self.settings.max_question_chars)
        with model_errors(self.model_name):
            standalone = (self.rewrite.invoke({"question": question, "history": history}) if history else "") or question
        rewritten = time.perf_counter()
        retriever = HybridRetriever(store=self.store, k=self.settings.top_k, filters=inputs.get("filters") or Filters())
        sources = to_sources(retriever.invoke(standalone))
        retrieved = time.perf_counter()
        return {
            "answerable": coverage(standalone, (s.text for s in sources)) >= self.settings.min_question_coverage,
            "question": question,
            "standalone": standalone,
            "sources": sources,
            "prompt": self.prompt.template.invoke({"sources": format_sources(self.prompt, sources), "question": standalone}),
            "timings": {"rewrite_s": rewritten - started, "retrieval_s": retrieved - rewritten},
            "started": started,
        }

    def _generate(self, state: dict[str, Any]) -> AIMessage:
        if not state["answerable"]:
            return AIMessage(content='{"sentences": []}')
        with model_errors(self.model_name):
            return self.llm.invoke(state["prompt"])

    def _finish(self, state: dict[str, Any]) -> Answer:
        message: AIMessage = state["message"]
        drafted, drafts = parse_drafts(str(message.content))
        verified = verify(drafts, state["sources"]) if drafted else None
        # An answer none of whose cited sentences shares a word with the question is off-topic.
        on_topic = verified is not None and any(
            terms(s.text) & terms(state["standalone"]) for s in verified.sentences if s.citations
        )
        abstained = not on_topic
        timings = {**state["timings"], **message.response_metadata.get("timings", {})}
        timings["total_s"] = time.perf_counter() - state["started"]
        return Answer(
            question=state["question"],
            standalone_question=state["standalone"],
            text=self.prompt.extra.get("abstain", "The articles don't say.") if abstained else verified.text,
            abstained=abstained,
            sentences=[] if abstained else verified.sentences,
            citations=[] if abstained else verified.citations,
            sources=state["sources"],
            prompt_version=self.prompt.ref,
            model=self.model_name,
            removed_markers=verified.removed_markers if verified else 0,
            corrected_markers=verified.corrected_markers if verified else 0,
            usage=usage_of(message),
            timings=timings,
        )

    def chain(self) -> Runnable:
        """``{"messages": [...], "filters": Filters | None}`` -> :class:`Answer`."""
        return RunnableLambda(self._prepare) | RunnablePassthrough.assign(message=self._generate) | RunnableLambda(self._finish)

    # --- entry points -------------------------------------------------------------------

    def answer(self, messages: list[dict[str, str]], filters: Filters | None = None) -> Answer:
        return self.chain().invoke({"messages": messages, "filters": filters})

    def stream(self, messages: list[dict[str, str]], filters: Filters | None = None) -> Iterator[str | Answer]:
        """Text deltas as the model writes them, then the verified :class:`Answer` last."""
        state = self._prepare({"messages": messages, "filters": filters})
        if not state["answerable"]:
            state["message"] = self._generate(state)
            yield self._finish(state)
            return
        merged: AIMessageChunk | None = None
        shown = ""
        with model_errors(self.model_name):
            for chunk in self.llm.stream(state["prompt"]):
                merged = chunk if merged is None else merged + chunk
                text = visible_text(str(merged.content))
                if text.startswith(shown) and len(text) > len(shown):
                    yield text[len(shown) :]
                    shown = text
        assert merged is not None
        state["message"] = AIMessage(
            content=merged.content, usage_metadata=merged.usage_metadata, response_metadata=merged.response_metadata
        )
        yield self._finish(state)
