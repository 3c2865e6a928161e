"""The LangChain RAG-tutorial baseline, scored by the same eval runner as Newsdesk.

The shape of LangChain's "Build a RAG App" tutorial: Chroma dense retrieval of the top 4 chunks,
the tutorial's prompt (hub ``rlm/rag-prompt``), the chat model, ``StrOutputParser``, as one LCEL
runnable, on the same store and the same model settings as the Newsdesk pipeline. It cites
nothing, so in a report its citation metrics are 0 (facts stated, never cited; no quote holds the
answer), quote validity is n/a (no quotes), and no wrong answer is ever *presented as supported*.
"""

from __future__ import annotations

import re
import time
from operator import itemgetter
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda, RunnableParallel, RunnablePassthrough

from service.models.errors import model_errors
from service.store.chroma import ArticleStore
from service.text.sentences import sentence_spans

NAME = "langchain-rag"
PROMPT_REF = "rlm/rag-prompt"
TOP_K = 4
RAG_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "human",
            "You are an assistant for question-answering tasks. Use the following pieces of retrieved context to "
            "answer the question. If you don't know the answer, just say that you don't know. Use three sentences "
            "maximum and keep the answer concise.\nQuestion: {question} \nContext: {context} \nAnswer:",
        )
    ]
)
# "I don't know" as the tutorial's prompt asks for it, and the usual ways a model says the same.
_DECLINES = re.compile(
    r"\b(?:(?:I|we) do(?:n[o'’]?t| not) know|do(?:es)?(?:n[o'’]?t| not) (?:say|mention|provide|specify|contain|state)"
    r"|not (?:mentioned|provided|specified|stated)|no information)\b",
    re.IGNORECASE,
)


def format_docs(docs: list[Document]) -> str:
    return "\n\n".join(doc.page_content for doc in docs)


def build_rag_chain(retriever: Runnable[str, list[Document]], llm: BaseChatModel) -> Runnable[str, dict[str, Any]]:
    """question -> {question, docs, message, answer}: the tutorial's chain, keeping what it retrieved
    and the model's message (token usage) beside the parsed answer string."""
    generate = {"context": itemgetter("docs") | RunnableLambda(format_docs), "question": itemgetter("question")} | RAG_PROMPT | llm
    return (
        RunnableParallel(question=RunnablePassthrough(), docs=retriever)
        .assign(message=generate)
        .assign(answer=itemgetter("message") | StrOutputParser())
    )


def declines(text: str) -> bool:
    """Whether an answer says it doesn't know (the tutorial prompt's way of abstaining)."""
    return not text.strip() or bool(_DECLINES.search(text))


class RagBaseline:
    """Answers one question with the tutorial chain, as a dict shaped like ``Answer.to_dict()``."""

    def __init__(self, store: ArticleStore, llm: BaseChatModel, model_name: str, k: int = TOP_K) -> None:
        self.model_name = model_name
        self.chain = build_rag_chain(store.chunks.as_retriever(search_kwargs={"k": k}), llm)

    def answer(self, question: str) -> dict[str, Any]:
        started = time.perf_counter()
        with model_errors(self.model_name):
            out = self.chain.invoke(question)
        text = out["answer"].strip()
        usage = getattr(out["message"], "usage_metadata", None) or {}
        abstained = declines(text)
        return {
            "question": question,
            "text": text,
            "abstained": abstained,
            "sentences": [] if abstained else [{"text": text[a:b], "citations": []} for a, b in sentence_spans(text)],
            "citations": [],
            "sources": [
                {"n": n, "article_id": d.metadata.get("article_id"), "outlet": d.metadata.get("outlet"), "text": d.page_content}
                for n, d in enumerate(out["docs"], 1)
            ],
            "prompt_version": PROMPT_REF,
            "model": self.model_name,
            "usage": {
                "prompt_tokens": int(usage.get("input_tokens", 0)),
                "completion_tokens": int(usage.get("output_tokens", 0)),
            },
            "timings": {"total_s": round(time.perf_counter() - started, 3)},
        }
