"""Turn a follow-up into a standalone question, so retrieval sees what the user means."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda

from service.errors import InvalidInput
from service.prompts import PromptSpec


def split_conversation(messages: list[dict[str, str]], max_chars: int) -> tuple[str, str]:
    """(last user question, earlier turns as text); rejects empty and oversized questions."""
    if not messages:
        raise InvalidInput("messages is empty: send at least one user message")
    last = messages[-1]
    if last.get("role") != "user":
        raise InvalidInput("the last message must have role 'user'")
    question = (last.get("content") or "").strip()
    if not question:
        raise InvalidInput("the question is empty")
    if len(question) > max_chars:
        raise InvalidInput(f"the question is {len(question)} characters; the limit is {max_chars}")
    history = "\n".join(
        f"{m.get('role', 'user')}: {(m.get('content') or '').strip()}"
        for m in messages[:-1]
        if m.get("role") in ("user", "assistant") and (m.get("content") or "").strip()
    )
    return question, history


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.strip().splitlines() if ln.strip()), "")
    return line.removeprefix("Standalone question:").strip().strip('"')


def build_rewrite_chain(llm: BaseChatModel, prompt: PromptSpec) -> Runnable:
    """``{"question", "history"}`` -> standalone question (str)."""
    return prompt.template | llm.bind(max_tokens=64, response_format=None) | StrOutputParser() | RunnableLambda(_first_line)
