"""Answer-chain logic with a fake chat model over the real seeded store."""

import json

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from service.chains.answer import Answerer
from service.desk import Newsdesk
from service.prompts import load_prompt


def answerer(desk: Newsdesk, *replies: str) -> Answerer:
    s = desk.settings
    fake = GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))
    return Answerer(desk.store, fake, s, load_prompt(s.answer_prompt, s.prompts_dir), load_prompt(s.rewrite_prompt, s.prompts_dir))


def ask(a: Answerer, question: str):
    return a.answer([{"role": "user", "content": question}])


def draft(*sentences: tuple[str, list[int]]) -> str:
    return json.dumps({"sentences": [{"text": t, "sources": s} for t, s in sentences]})


def test_cited_answer_reports_prompt_and_model(seeded_desk: Newsdesk) -> None:
    a = answerer(seeded_desk, draft(("Qin Gang greeted Blinken at the door of a villa.", [1, 2])))
    answer = ask(a, "Who greeted Blinken at the villa door?")
    assert not answer.abstained and answer.citations
    assert all("Qin Gang" in c.quote for c in answer.citations)
    assert answer.prompt_version == "answer@v1" and answer.model == seeded_desk.settings.local_model


def test_marker_outside_sources_is_removed(seeded_desk: Newsdesk) -> None:
    a = answerer(seeded_desk, draft(("Qin Gang greeted Blinken at the door of a villa.", [9])))
    answer = ask(a, "Who greeted Blinken at the villa door?")
    assert answer.removed_markers == 1 and answer.corrected_markers == 1 and "[9]" not in answer.text


def test_empty_draft_abstains_without_citations(seeded_desk: Newsdesk) -> None:
    answer = ask(answerer(seeded_desk, draft()), "What did Blinken eat for dinner in Beijing?")
    assert answer.abstained and answer.citations == [] and answer.text == "The articles don't say."


def test_off_topic_question_skips_the_model(seeded_desk: Newsdesk) -> None:
    # The fake has no replies: calling it would raise.
    answer = ask(answerer(seeded_desk), "Who won the football world cup final?")
    assert answer.abstained and answer.usage["total_tokens"] == 0


def test_copied_but_irrelevant_sentence_abstains(seeded_desk: Newsdesk) -> None:
    answer = ask(answerer(seeded_desk, draft(("Talks were held.", [1]))), "Why was the Beijing trip postponed?")
    assert answer.abstained


def test_follow_up_is_rewritten_before_retrieval(seeded_desk: Newsdesk) -> None:
    a = answerer(seeded_desk, "What is Qin Gang's role?", draft(("Qin Gang is the Chinese Foreign Minister.", [1])))
    answer = a.answer(
        [
            {"role": "user", "content": "Who greeted Blinken?"},
            {"role": "assistant", "content": "Qin Gang greeted him [1]."},
            {"role": "user", "content": "What is his role?"},
        ]
    )
    assert answer.standalone_question == "What is Qin Gang's role?"
    assert any("Qin Gang" in s.text for s in answer.sources)


def test_stream_yields_text_then_answer(seeded_desk: Newsdesk) -> None:
    a = answerer(seeded_desk, draft(("Qin Gang greeted Blinken at the door of a villa.", [1])))
    items = list(a.stream([{"role": "user", "content": "Who greeted Blinken at the villa door?"}]))
    *deltas, final = items
    assert all(isinstance(d, str) for d in deltas) and "".join(deltas).startswith("Qin Gang greeted")
    assert final.citations and final.prompt_version == "answer@v1"
