"""The answering pipeline: the one path every surface (CLI, API, OpenAI-compatible, Slack, evals) runs.

rewrite follow-up -> hybrid retrieval -> evidence sentences -> constrained JSON draft -> support
check -> verified :class:`Answer`. :meth:`Answerer.stream` yields the draft text as the model
writes it, then the verified answer; :meth:`Answerer.answer` is the same stream, drained.
"""

from __future__ import annotations

import copy
import functools
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.utils.json import parse_partial_json

from service.chains.rewrite import build_rewrite_chain, split_conversation
from service.citations.answers_question import answers_question, fits_question
from service.citations.support import SupportChecker
from service.citations.verify import Citation, CitationIndex, Draft, Sentence, Source, Verified, parse_prose, verify
from service.models.errors import model_errors
from service.models.factory import response_format
from service.prompts import PromptSpec
from service.retrieval.evidence import select_evidence
from service.retrieval.filters import Filters
from service.retrieval.hybrid import HybridRetriever
from service.settings import Settings
from service.store.chroma import ArticleStore
from service.text.quotes import curly_quotes
from service.text.sentences import sentence_spans

_DECLINE = re.compile(
    r"\b(?:do(?:es)?n[o']?t (?:say|mention|state|specify)|not (?:mentioned|stated|specified|say)|no information)\b", re.I
)


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
    closest: list[Citation] = field(default_factory=list)  # shown when nothing supported remains
    draft: str = ""  # the model's raw output, before verification

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
            chunk_id=str(d.metadata.get("chunk_id", d.id)),
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
    return "\n".join(
        fmt.format(n=s.n, outlet=s.outlet or "unknown outlet", title=s.title, text=curly_quotes(s.text)) for s in sources
    )


def parse_drafts(raw: str) -> tuple[bool, list[Draft]]:
    """(anything drafted, drafts) from the model's JSON.

    Two shapes: ``{"sources": [n...], "answer": "..."}`` (each answer sentence cites the chosen
    sources) and ``{"sentences": [{"text", "sources"}...]}``. Output cut off by the token limit
    still yields its complete parts; output that is not JSON is read as prose with [n] markers.
    """
    start = raw.find("{")
    data = parse_partial_json(raw[start:]) if start >= 0 else None
    if not isinstance(data, dict):
        drafts = parse_prose(raw)
        return bool(drafts), drafts
    if "answer" in data:
        numbers = [int(n) for n in data.get("sources") or [] if isinstance(n, int | float)]
        answer = str(data.get("answer") or "").strip()
        if not answer or _DECLINE.search(answer):
            return False, []
        drafts = [Draft(text=answer[a:b], sources=numbers) for a, b in sentence_spans(answer)]
        return bool(drafts), drafts
    drafts = [
        Draft(text=str(s["text"]), sources=[int(n) for n in s["sources"] if isinstance(n, int | float)])
        for s in data.get("sentences", []) or []
        if isinstance(s, dict) and isinstance(s.get("text"), str) and isinstance(s.get("sources"), list)
    ]
    return bool(drafts), drafts


def visible_text(raw: str) -> str:
    """The answer text of a partial JSON draft, for showing while the model writes."""
    data = parse_partial_json(raw[raw.find("{") :]) if "{" in raw else None
    if not isinstance(data, dict):
        return ""
    if "answer" in data:
        return str(data.get("answer") or "")
    texts = [str(s.get("text", "")) for s in data.get("sentences", []) or [] if isinstance(s, dict)]
    return " ".join(t for t in texts if t)


def usage_of(message: AIMessage) -> dict[str, int]:
    meta = message.usage_metadata or {}
    return {
        "prompt_tokens": meta.get("input_tokens", 0),
        "completion_tokens": meta.get("output_tokens", 0),
        "total_tokens": meta.get("total_tokens", 0),
    }


def _with_source_numbers(schema: dict[str, Any], numbers: list[int]) -> dict[str, Any]:
    """The prompt's schema with its ``SOURCE_NUMBERS`` placeholder replaced by the numbers shown."""

    def fill(node: Any) -> Any:
        if node == "SOURCE_NUMBERS":
            return numbers
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    return fill(copy.deepcopy(schema))


class Answerer:
    """Runs the answering pipeline for one prompt version and model."""

    def __init__(
        self,
        store: ArticleStore,
        llm: BaseChatModel,
        settings: Settings,
        prompt: PromptSpec,
        rewrite_prompt: PromptSpec,
        checker: SupportChecker | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.prompt = prompt
        self.model_name = settings.chat_model_name
        self.llm = llm
        self.rewrite = build_rewrite_chain(llm, rewrite_prompt)
        self.checker = checker or SupportChecker(embed=store.embeddings.embed_documents)

    # --- pipeline stages -----------------------------------------------------------------

    def _prepare(self, messages: list[dict[str, str]], filters: Filters | None) -> Iterator[str | dict[str, Any]]:
        """Rewrite a follow-up, retrieve, pick the evidence and lay out the prompt; the state comes last.

        An empty string between steps is a point where a request that has gone (timed out or
        disconnected) gives the model up: the consumer checks before asking for more.
        """
        started = time.perf_counter()
        question, history = split_conversation(messages, self.settings.max_question_chars)
        if history:
            with model_errors(self.model_name):
                standalone = self.rewrite.invoke({"question": question, "history": history}) or question
            yield ""
        else:
            standalone = question
        rewritten = time.perf_counter()
        chunks = HybridRetriever(store=self.store, k=self.settings.top_k, filters=filters or Filters()).invoke(standalone)
        yield ""
        evidence = select_evidence(standalone, chunks, self.store.embeddings, self.settings.evidence_sentences)
        yield ""
        sources = to_sources(evidence.sentences if self.prompt.extra.get("evidence", "sentences") == "sentences" else chunks)
        retrieved = time.perf_counter()
        yield {
            "answerable": bool(sources) and evidence.relevance >= self.settings.min_evidence_relevance,
            "question": question,
            "standalone": standalone,
            "sources": sources,
            "evidence": to_sources(evidence.sentences),
            "prompt": self.prompt.template.invoke({"sources": format_sources(self.prompt, sources), "question": standalone}),
            "timings": {"rewrite_s": rewritten - started, "retrieval_s": retrieved - rewritten},
            "started": started,
        }

    def _model(self, sources: list[Source]) -> Runnable:
        schema = self.prompt.output_schema
        if not schema:
            return self.llm
        schema = _with_source_numbers(schema, [s.n for s in sources])
        return self.llm.bind(response_format=response_format(self.settings, schema))

    def _finish(self, state: dict[str, Any], message: AIMessage) -> Answer:
        drafted, drafts = parse_drafts(str(message.content))
        # An article deleted while the model wrote can't be cited: its sentences are no evidence now.
        present = {a: self.store.has(a) for a in {s.article_id for s in state["sources"]}}
        live = [s for s in state["sources"] if present[s.article_id]]
        question = state["standalone"]
        fits = functools.partial(fits_question, question)
        verified = verify(drafts, live, checker=self.checker, fits=fits) if drafted else Verified([], [])
        for sentence in verified.sentences:
            if not sentence.unsupported and (why := answers_question(question, sentence.text)):
                sentence.unsupported, sentence.reason, sentence.citations = True, why, []
        shown = [s for s in verified.sentences if not s.unsupported]
        index = CitationIndex()  # renumbered: citations of removed sentences are not shown
        for s in shown:
            s.citations = [index.cite_again(verified.citations[n - 1]) for n in s.citations]
        closest: list[Citation] = []
        if not shown:
            text = self.prompt.extra.get("unclear" if drafted else "abstain", "The articles don't say.")
            if drafted:  # the model answered but nothing held up: show where to look instead
                nearest = CitationIndex()
                for source in [s for s in state["evidence"] if present.get(s.article_id)][:3]:
                    nearest.cite(source, (0, len(source.text)))
                closest = nearest.citations
        else:
            text = Verified(shown, index.citations).text
        timings = {**state["timings"], **message.response_metadata.get("timings", {})}
        timings["total_s"] = time.perf_counter() - state["started"]
        return Answer(
            question=state["question"],
            standalone_question=state["standalone"],
            text=text,
            abstained=not shown,
            sentences=verified.sentences,
            citations=index.citations,
            sources=state["sources"],
            prompt_version=self.prompt.ref,
            model=self.model_name,
            removed_markers=verified.removed_markers,
            corrected_markers=verified.corrected_markers,
            usage=usage_of(message),
            timings=timings,
            closest=closest,
            draft=str(message.content),
        )

    # --- entry points -------------------------------------------------------------------

    def stream(self, messages: list[dict[str, str]], filters: Filters | None = None) -> Iterator[str | Answer]:
        """Draft text deltas as the model writes them, then the verified :class:`Answer` last."""
        for step in self._prepare(messages, filters):
            if isinstance(step, str):
                yield step
            else:
                state = step
        if not state["answerable"]:  # nothing retrieved is about the question: don't ask the model
            yield self._finish(state, AIMessage(content=""))
            return
        merged: AIMessageChunk | None = None
        shown = ""
        with model_errors(self.model_name):
            for chunk in self._model(state["sources"]).stream(state["prompt"]):
                merged = chunk if merged is None else merged + chunk
                text = visible_text(str(merged.content))
                if text.startswith(shown) and len(text) > len(shown):
                    yield text[len(shown) :]
                    shown = text
        assert merged is not None
        message = AIMessage(
            content=merged.content, usage_metadata=merged.usage_metadata, response_metadata=merged.response_metadata
        )
        yield self._finish(state, message)

    def answer(self, messages: list[dict[str, str]], filters: Filters | None = None) -> Answer:
        """The verified answer: :meth:`stream`, drained."""
        for item in self.stream(messages, filters):
            if isinstance(item, Answer):
                return item
        raise RuntimeError("the answer stream ended without an answer")

    def chain(self) -> Runnable:
        """``{"messages": [...], "filters": Filters | None}`` -> :class:`Answer`, as an LCEL runnable."""
        return RunnableLambda(lambda inputs: self.answer(inputs["messages"], inputs.get("filters")))
