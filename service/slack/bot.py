"""The Slack bot on Bolt: mentions and direct messages answered in threads, ``/newsdesk``, feedback.

Every listener acknowledges at once and starts the work as a background task (the model takes
seconds; Slack wants its 200 within 3). Tasks are kept referenced until done, so none is
garbage-collected mid-answer. Model work goes through the API's :class:`ModelGate` (one model
thread, a bounded queue, ``request_timeout_s``); any failure is posted as a short apology.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from service.api.gate import ModelGate
from service.api.generation import generate
from service.chains.summarize import Summary
from service.desk import Newsdesk
from service.errors import NewsdeskError
from service.settings import Settings
from service.slack.blocks import Block, apology, apology_blocks, escape, result_blocks
from service.slack.commands import USAGE, Command, parse, resolve_articles
from service.slack.conversation import conversation
from service.slack.feedback import FeedbackLog, FeedbackRef, feedback_path
from service.slack.gate import EventGate, SeenStore

log = logging.getLogger(__name__)
WORKING = "eyes"
# What a Web API call can raise: an error answer from Slack, or no answer at all.
SLACK_FAILURES = (SlackClientError, aiohttp.ClientError, TimeoutError)
Reply = tuple[list[Block], str]  # blocks and their plain-text fallback


def make_client(settings: Settings) -> AsyncWebClient:
    if settings.slack_bot_token is None:
        raise ValueError("the Slack bot needs NEWSDESK_SLACK_BOT_TOKEN")
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value())
    if settings.slack_api_url:
        client.base_url = settings.slack_api_url.rstrip("/") + "/"
    return client


async def is_direct_message(event: dict[str, Any]) -> bool:
    """A person's new message in a DM with the bot (not an edit, deletion or bot post)."""
    return event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id")


class NewsdeskBot:
    def __init__(self, desk: Newsdesk, settings: Settings, gate: ModelGate, seen: SeenStore) -> None:
        self.desk = desk
        self.settings = settings
        self.gate = gate
        self.feedback = FeedbackLog(feedback_path(settings))
        # A mention in a DM can arrive as both app_mention and message: answer the message once.
        self.answered = seen
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, app: AsyncApp) -> None:
        app.event("app_mention")(self.on_message)
        app.event("message", matchers=[is_direct_message])(self.on_message)
        app.event("message")(self.ignore)  # other message events: acknowledged, nothing to do
        app.command("/newsdesk")(self.on_command)
        app.action(re.compile(r"^feedback_(helpful|not_helpful)$"))(self.on_feedback)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception():
            log.error("slack background task failed", exc_info=task.exception())

    @staticmethod
    async def _reply(make: Callable[[], Awaitable[Reply]]) -> tuple[Reply, bool]:
        """(the reply, whether it succeeded): a failure becomes an apology."""
        try:
            return await make(), True
        except Exception as exc:
            if isinstance(exc, NewsdeskError):
                log.warning("slack request failed: %s: %s", type(exc).__name__, exc)
            else:
                log.exception("slack request failed")
            return (apology_blocks(exc), apology(exc)), False

    async def _answer(self, messages: list[dict[str, str]], heading: str | None = None) -> Reply:
        answer = await generate(self.gate, lambda: self.desk.answerer().stream(messages))
        ref = FeedbackRef("answer", messages[-1]["content"], answer.prompt_version, answer.model)
        return result_blocks(answer, ref, heading), answer.text

    async def _summary(self, arg: str, heading: str) -> Reply:
        def work(stop: threading.Event) -> Summary:
            # ``stop`` is set when the request times out or is abandoned: the model is given up
            # at its next token, as an answer's stream is given up at its next checkpoint.
            ids = resolve_articles(arg, self.desk.store.list_articles()) if arg else None
            return self.desk.summarizer().summarize(ids, stop=stop)

        summary = await self.gate.run(work)
        ref = FeedbackRef("summary", f"summarize {arg}".strip(), summary.prompt_version, summary.model)
        return result_blocks(summary, ref, heading), summary.text

    # --- mentions and direct messages ----------------------------------------------------

    async def ignore(self) -> None:
        return None

    async def on_message(self, event: dict[str, Any], context: dict[str, Any], client: AsyncWebClient) -> None:
        if self.answered.first_time(f"message:{event['channel']}:{event['ts']}"):
            self.spawn(self.answer_in_thread(event, context.get("bot_user_id"), context.get("bot_id"), client))

    async def answer_in_thread(
        self, event: dict[str, Any], bot_user_id: str | None, bot_id: str | None, client: AsyncWebClient
    ) -> None:
        channel, ts = event["channel"], event["ts"]
        await _react(client.reactions_add, channel, ts)
        try:

            async def make() -> Reply:
                return await self._answer(await conversation(client, event, bot_user_id, bot_id))

            (blocks, text), _ = await self._reply(make)
            await _post(client, channel=channel, thread_ts=event.get("thread_ts") or ts, blocks=blocks, text=text)
        finally:
            await _react(client.reactions_remove, channel, ts)

    # --- /newsdesk -----------------------------------------------------------------------

    async def on_command(self, ack: Any, command: dict[str, Any], client: AsyncWebClient, respond: Any) -> None:
        cmd = parse(command.get("text", ""))
        if cmd.verb == "help":
            await ack(text=USAGE, response_type="ephemeral")
            return
        await ack(text="Working on it…", response_type="ephemeral")
        self.spawn(self.run_command(cmd, command, client, respond))

    async def run_command(self, cmd: Command, command: dict[str, Any], client: AsyncWebClient, respond: Any) -> None:
        user = command.get("user_id", "")
        if cmd.verb == "articles":
            (blocks, text), _ = await self._reply(self._article_list)
            await respond(text=text, blocks=blocks, response_type="ephemeral")
            return
        if cmd.verb == "ask":
            heading = f"<@{user}> asked: {escape(cmd.arg)}"
            question = [{"role": "user", "content": cmd.arg}]
            (blocks, text), ok = await self._reply(lambda: self._answer(question, heading))
        else:
            what = escape(cmd.arg) if cmd.arg else "all articles"
            heading = f"<@{user}> asked for a summary of {what}"
            (blocks, text), ok = await self._reply(lambda: self._summary(cmd.arg, heading))
        if not ok:  # only the asker saw the command, so only they see the apology
            await respond(text=text, blocks=blocks, response_type="ephemeral")
            return
        try:
            await client.chat_postMessage(channel=command["channel_id"], text=text, blocks=blocks, unfurl_links=False)
        except SLACK_FAILURES as exc:  # e.g. a private channel the bot is not in: the response URL still works
            log.info("posting to %s failed (%s); answering via response_url", command["channel_id"], _error(exc))
            await respond(text=text, blocks=blocks, response_type="in_channel", replace_original=False)

    async def _article_list(self) -> Reply:
        articles = await asyncio.to_thread(self.desk.store.list_articles)
        lines = [f"`{a.id}` {escape(a.title)} — {escape(a.outlet or 'unknown outlet')}" for a in articles]
        text = "\n".join(lines) or "No articles yet: ingest some with `newsdesk ingest`."
        return [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}], text

    # --- feedback buttons ----------------------------------------------------------------

    async def on_feedback(self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        try:
            ref = FeedbackRef.from_value(action.get("value", ""))
        except (ValueError, TypeError):
            log.warning("feedback click with an unreadable value ignored")
            return
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id")
        user = (body.get("user") or {}).get("id")
        rating = "helpful" if action["action_id"] == "feedback_helpful" else "not_helpful"
        answer = message.get("text", "")
        await asyncio.to_thread(self.feedback.record, ref, rating, answer, user=user, channel=channel, message_ts=message.get("ts"))
        try:
            thanks = "Thanks, your feedback was recorded."
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=message.get("thread_ts"), text=thanks)
        except SLACK_FAILURES as exc:
            log.info("feedback thank-you not posted: %s", _error(exc))


def _error(exc: Exception) -> str:
    return str(exc.response.get("error", exc)) if isinstance(exc, SlackApiError) else repr(exc)


async def _react(call: Callable[..., Awaitable[Any]], channel: str, ts: str) -> None:
    """Add or remove the working reaction; a failure here must not stop the answer."""
    try:
        await call(channel=channel, timestamp=ts, name=WORKING)
    except SLACK_FAILURES as exc:
        log.info("reaction %s on %s failed: %s", WORKING, ts, _error(exc))


async def _post(client: AsyncWebClient, *, channel: str, thread_ts: str, blocks: list[Block], text: str) -> None:
    """Post blocks; if Slack rejects them, post the plain text, so the user is never left without a reply."""
    try:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=blocks, text=text, unfurl_links=False)
    except SLACK_FAILURES as exc:
        log.error("chat.postMessage with blocks failed (%s); posting plain text", _error(exc))
        try:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text[:3000])
        except SLACK_FAILURES as again:
            log.error("chat.postMessage failed: %s", _error(again))


def build_app(desk: Newsdesk, settings: Settings, gate: ModelGate | None = None) -> AsyncApp:
    """The Bolt app with its listeners; HTTP mode verifies signatures, Socket Mode needs none.

    ``gate``: the model gate shared with the HTTP API, so both queue for the one model; default, its own.
    """
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    seen = SeenStore(settings.data_dir / "slack_seen.sqlite3")
    app = AsyncApp(name="newsdesk", client=make_client(settings), signing_secret=secret, before_authorize=EventGate(seen))
    gate = gate or ModelGate(settings.queue_size, settings.request_timeout_s)
    NewsdeskBot(desk, settings, gate, seen).register(app)
    return app
