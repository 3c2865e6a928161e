"""A Slack thread as the OpenAI-style conversation the answerer takes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

HISTORY_MESSAGES = 20  # earlier thread messages kept as context
REPLIES_LIMIT = 200  # one page of conversations.replies; longer threads use their first page

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def plain_text(text: str, bot_user_id: str | None) -> str:
    """Slack's markup as plain words: the bot's own mention removed, links and mentions unwrapped."""

    def unwrap(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith("@"):
            return "" if target[1:] == bot_user_id else label or target
        if target.startswith("#"):
            return f"#{label}" if label else target
        if target.startswith("!"):
            return f"@{label or target[1:]}"
        return label or target

    text = _LINK.sub(unwrap, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def is_ours(message: dict[str, Any], bot_user_id: str | None, bot_id: str | None) -> bool:
    return bool((bot_user_id and message.get("user") == bot_user_id) or (bot_id and message.get("bot_id") == bot_id))


def thread_messages(
    replies: list[dict[str, Any]], before_ts: str, bot_user_id: str | None, bot_id: str | None
) -> list[dict[str, str]]:
    """The thread's messages before ``before_ts``: the bot's are assistant turns, everyone else's user turns."""
    turns = []
    for m in replies:
        if Decimal(m.get("ts", "0")) >= Decimal(before_ts):
            continue
        content = plain_text(m.get("text") or "", bot_user_id)
        if content:
            turns.append({"role": "assistant" if is_ours(m, bot_user_id, bot_id) else "user", "content": content})
    return turns[-HISTORY_MESSAGES:]


async def conversation(
    client: AsyncWebClient, event: dict[str, Any], bot_user_id: str | None, bot_id: str | None
) -> list[dict[str, str]]:
    """The event's message as the last user turn, after its thread's earlier messages."""
    question = {"role": "user", "content": plain_text(event.get("text") or "", bot_user_id)}
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event["ts"]:
        return [question]
    replies = await client.conversations_replies(
        channel=event["channel"], ts=thread_ts, latest=event["ts"], inclusive=False, limit=REPLIES_LIMIT
    )
    return [*thread_messages(replies.get("messages") or [], event["ts"], bot_user_id, bot_id), question]
