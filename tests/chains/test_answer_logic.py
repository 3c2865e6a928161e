"""Answer-chain logic with a fake chat model over the real seeded store."""

import json
import re

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from service.chains.answer import Answerer, _with_source_numbers, parse_drafts
from service.desk import Newsdesk
from service.prompts import load_prompt


def answerer(desk: Newsdesk, *replies: str) -> Answerer:
    s = desk.settings
    fake = GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))
    return Answerer(desk.store, fake, s, load_prompt(s.answer_prompt, s.prompts_dir), load_prompt(s.rewrite_prompt, s.prompts_dir))


def ask(a: Answerer, question: str):
    return a.answer([{"role": "user", "content": question}])


def draft(answer: str = "", sources: list[int] | None = None) -> str:
    return json.dumps({"sources": sources or [], "answer": answer})


def test_cited_answer_reports_prompt_and_model(seeded_desk: Newsdesk) -> None:
    a = answerer(seeded_desk, draft("Qin Gang greeted Blinken at the door of a villa.", [1, 2]))
    answer = ask(a, "Who greeted Blinken at the villa door?")
    assert not answer.abstained and answer.citations
    assert all("Qin Gang" in c.quote for c in answer.citations)
    assert answer.prompt_version == "answer@v3" and answer.model == seeded_desk.settings.local_model


def test_marker_outside_sources_is_removed(seeded_desk: Newsdesk) -> None:
    a = answerer(seeded_desk, draft("Qin Gang greeted Blinken at the door of a villa.", [9]))
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
    answer = ask(answerer(seeded_desk, draft("Talks were held.", [1])), "Why was the Beijing trip postponed?")
    assert answer.abstained


def test_follow_up_is_rewritten_before_retrieval(seeded_desk: Newsdesk) -> None:
    a = answerer(seeded_desk, "What is Qin Gang's role?", draft("Qin Gang is the Chinese Foreign Minister.", [1]))
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
    a = answerer(seeded_desk, draft("Qin Gang greeted Blinken at the door of a villa.", [1]))
    items = list(a.stream([{"role": "user", "content": "Who greeted Blinken at the villa door?"}]))
    *deltas, final = items
    assert all(isinstance(d, str) for d in deltas) and "".join(deltas).startswith("Qin Gang greeted")
    assert final.citations and final.prompt_version == "answer@v3"


def test_swapped_roles_are_not_shown_as_supported(seeded_desk: Newsdesk) -> None:
    answer = ask(answerer(seeded_desk, draft("Blinken greeted Qin Gang at the door of a villa.", [1, 2])), "Who greeted Blinken?")
    assert answer.abstained and answer.citations == [] and answer.text == "The articles don't clearly say."
    assert answer.unsupported == ["Blinken greeted Qin Gang at the door of a villa."]
    assert answer.closest and all(c.quote for c in answer.closest)  # where a reader can look instead


def test_wrong_number_is_not_shown_as_supported(seeded_desk: Newsdesk) -> None:
    a = answerer(seeded_desk, draft("It was the first visit by a senior US official to China in nearly six years.", [1]))
    answer = ask(a, "How long since a senior US official visited China?")
    assert answer.abstained and "six years" in answer.unsupported[0]
    assert "number 6" in answer.sentences[0].reason


def test_sentence_that_only_repeats_the_question_is_not_an_answer(seeded_desk: Newsdesk) -> None:
    answer = ask(
        answerer(seeded_desk, draft("Blinken's trip to China was postponed.", [1])), "Why was Blinken's trip to China postponed?"
    )
    assert answer.abstained and "repeats the question" in answer.sentences[0].reason


def test_unsupported_sentence_is_removed_and_the_supported_one_kept(seeded_desk: Newsdesk) -> None:
    text = "Qin Gang greeted Blinken at the door of a villa. Blinken then flew to Moscow."
    answer = ask(answerer(seeded_desk, draft(text, [1])), "Who greeted Blinken at the villa door?")
    assert not answer.abstained and "Moscow" not in answer.text and answer.text.startswith("Qin Gang greeted Blinken")
    assert answer.unsupported == ["Blinken then flew to Moscow."]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.n for c in answer.citations}  # only the shown sentence's citations, numbered from 1


def test_quotation_marks_in_the_answer_survive_whole(seeded_desk: Newsdesk) -> None:
    raw = '{"sources": [1], "answer": "Qin Gang greeted Blinken at the door of a villa, saying \\"welcome\\"."}'
    drafted, drafts = parse_drafts(raw)
    assert drafted and drafts[0].text == 'Qin Gang greeted Blinken at the door of a villa, saying "welcome".'


def test_model_sees_only_evidence_sentences_and_may_cite_only_their_numbers(seeded_desk: Newsdesk) -> None:
    a = answerer(seeded_desk)
    *_, state = a._prepare([{"role": "user", "content": "Who greeted Blinken at the villa door?"}], None)
    numbers = [s.n for s in state["sources"]]
    assert numbers == list(range(1, seeded_desk.settings.evidence_sentences + 1))
    assert all(len(s.text) < 400 for s in state["sources"])  # sentences, not 700-character chunks
    schema = _with_source_numbers(a.prompt.output_schema, numbers)
    assert schema["properties"]["sources"]["items"]["enum"] == numbers


class DeletesWhileWriting(GenericFakeChatModel):
    """Deletes an article from the store while it 'writes', as a concurrent DELETE would."""

    store: object = None
    victim: str = ""

    def _stream(self, *args, **kwargs):
        self.store.delete(self.victim)  # type: ignore[attr-defined]
        yield from super()._stream(*args, **kwargs)


def test_an_article_deleted_mid_answer_is_not_cited(seeded_settings, tmp_path) -> None:
    from tests.api.conftest import copy_data_dir

    desk = Newsdesk(seeded_settings.model_copy(update={"data_dir": copy_data_dir(seeded_settings, tmp_path / "data")}))
    victim = next(a.id for a in desk.store.list_articles() if a.outlet == "The New Daily")
    fake = DeletesWhileWriting(
        messages=iter([AIMessage(content=draft("Qin Gang greeted Blinken at the door of a villa.", [1, 2]))]),
        store=desk.store,
        victim=victim,
    )
    s = desk.settings
    a = Answerer(desk.store, fake, s, load_prompt(s.answer_prompt, s.prompts_dir), load_prompt(s.rewrite_prompt, s.prompts_dir))
    answer = ask(a, "Who greeted Blinken at the villa door?")
    assert answer.citations and all(c.article_id != victim for c in answer.citations)
