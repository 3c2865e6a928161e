"""The RAG-tutorial baseline: its prompt is the tutorial's, and what counts as declining."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableLambda

from service.evals.baseline import RAG_PROMPT, build_rag_chain, declines


@pytest.mark.parametrize(
    ("text", "declined"),
    [
        ("I don't know.", True),
        ("I don’t know the answer to that.", True),
        ("The context does not provide the name of his successor.", True),
        ("The provided context doesn't mention his age.", True),
        ("", True),
        ("Qin Gang greeted Blinken at the villa.", False),
        ("He said he did not know the men who filmed him.", False),  # reported speech, not a refusal
    ],
)
def test_declines(text: str, declined: bool) -> None:
    assert declines(text) is declined


def test_chain_sends_the_tutorial_prompt_with_the_retrieved_context_and_keeps_the_documents() -> None:
    docs = [Document("Qin Gang greeted Blinken."), Document("Blinken met Wang Yi.")]
    seen: list[str] = []

    def model(messages: object) -> AIMessage:
        seen.append(messages.to_string())  # type: ignore[attr-defined]
        return AIMessage(content="Qin Gang.")

    chain = build_rag_chain(RunnableLambda(lambda q: docs), RunnableLambda(model))  # type: ignore[arg-type]
    out = chain.invoke("Who greeted Blinken?")
    assert out["answer"] == "Qin Gang." and out["docs"] == docs
    assert "Use three sentences maximum and keep the answer concise." in seen[0]
    assert "Question: Who greeted Blinken? \nContext: Qin Gang greeted Blinken.\n\nBlinken met Wang Yi. \nAnswer:" in seen[0]
    assert RAG_PROMPT.input_variables == ["context", "question"]
