"""Block Kit for answers and summaries: the text, a *Sources* list of verified quotes, a context
line naming the prompt version and model, and feedback buttons; and the apology for a failure."""

from __future__ import annotations

import re
from typing import Any, Protocol

from service.citations.verify import Citation
from service.errors import Busy, InvalidInput, NewsdeskError, NotFound, TimedOut, Unavailable
from service.slack.feedback import FeedbackRef

SECTION_LIMIT = 3000  # Slack's limit on a section's text
QUOTE_LIMIT = 400
NOTHING_CITED = "Nothing in the articles could be cited for this, so treat it as unsupported."

Block = dict[str, Any]


class Cited(Protocol):
    """What answers and summaries have in common."""

    text: str
    citations: list[Citation]
    prompt_version: str
    model: str


def escape(text: str) -> str:
    """Slack's three control characters; everything else is literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Markdown as the chains write it (``**bold**``, ``- `` bullets) in Slack's mrkdwn."""
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", escape(markdown))
    return re.sub(r"(?m)^- ", "• ", text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sections(lines: list[str]) -> list[Block]:
    """mrkdwn sections holding the lines, each under Slack's length limit."""
    chunks: list[str] = []
    for line in lines:
        line = _clip(line, SECTION_LIMIT)
        if chunks and len(chunks[-1]) + 1 + len(line) <= SECTION_LIMIT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks]


def source_line(c: Citation) -> str:
    outlet = escape(c.outlet or "unknown outlet")
    return f"*[{c.n}]* {escape(c.title)} — {outlet}\n> “{escape(_clip(c.quote, QUOTE_LIMIT))}”"


def context_block(result: Cited) -> Block:
    parts = [f"prompt `{result.prompt_version}`", f"model `{result.model}`"]
    unsupported = len(getattr(result, "unsupported", []))
    if unsupported:
        parts.append(f"{unsupported} unsupported sentence{'s' * (unsupported > 1)} left out")
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(parts)}]}


FEEDBACK_BUTTONS = {"feedback_helpful": "👍 Helpful", "feedback_not_helpful": "👎 Not helpful"}


def feedback_block(ref: FeedbackRef) -> Block:
    value = ref.to_value()
    buttons = [
        {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label}, "value": value}
        for action_id, label in FEEDBACK_BUTTONS.items()
    ]
    return {"type": "actions", "block_id": "feedback", "elements": buttons}


def result_blocks(result: Cited, feedback: FeedbackRef, heading: str | None = None) -> list[Block]:
    """heading (mrkdwn, e.g. who asked what), the text, its sources, context, feedback buttons."""
    blocks = sections([heading] if heading else [])
    blocks += sections(to_mrkdwn(result.text).split("\n"))
    closest = getattr(result, "closest", [])
    if result.citations:
        blocks += sections(["*Sources*", *(source_line(c) for c in result.citations)])
    elif closest:
        blocks += sections(["*Closest passages* (they don't clearly answer it)", *(source_line(c) for c in closest)])
    else:
        blocks += sections([f"*Sources*\n{NOTHING_CITED}"])
    return [*blocks, context_block(result), feedback_block(feedback)]


def apology(exc: BaseException) -> str:
    """One short line for the user; only errors about their input are quoted back."""
    if isinstance(exc, InvalidInput | NotFound):
        return f"Sorry, I can't do that: {exc}"
    if isinstance(exc, TimedOut):
        return "Sorry, that took too long and I gave up. Please try again, perhaps with a narrower question."
    if isinstance(exc, Busy):
        return "Sorry, I'm busy with other questions. Please try again in a minute."
    if isinstance(exc, Unavailable):
        return "Sorry, the model or the article store is unavailable right now. Please try again later."
    if isinstance(exc, NewsdeskError):
        return "Sorry, I couldn't answer that. Please try again later."
    return "Sorry, something went wrong on my side and I couldn't answer. The error has been logged."


def apology_blocks(exc: BaseException) -> list[Block]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": f":warning: {escape(apology(exc))}"}}]
