from __future__ import annotations

from service.slack.conversation import HISTORY_MESSAGES, plain_text, thread_messages


def test_plain_text_drops_the_bots_mention_and_unwraps_slack_markup() -> None:
    text = "<@UBOT> did <@UBOB|bob> see <#C1|news> and <https://x.org/a|this> or <https://y.org> &amp; <!here>?"
    assert plain_text(text, "UBOT") == "did bob see #news and this or https://y.org & @here?"


def test_thread_messages_are_turns_before_the_question_with_the_bots_as_assistant() -> None:
    replies = [
        {"ts": "10.000001", "user": "UA", "text": "<@UBOT> first"},
        {"ts": "10.000002", "bot_id": "BBOT", "text": "answer [1]."},
        {"ts": "10.000003", "user": "UA", "text": "   "},
        {"ts": "10.000004", "user": "UA", "text": "now"},
        {"ts": "10.000005", "user": "UA", "text": "later"},
    ]
    assert thread_messages(replies, "10.000004", "UBOT", "BBOT") == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "answer [1]."},
    ]


def test_long_threads_keep_their_latest_messages() -> None:
    replies = [{"ts": f"10.{i:06d}", "user": "UA", "text": f"m{i}"} for i in range(1, 60)]
    turns = thread_messages(replies, "99.0", "UBOT", None)
    assert len(turns) == HISTORY_MESSAGES and turns[-1]["content"] == "m59"
