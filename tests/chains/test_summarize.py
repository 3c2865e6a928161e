"""Summaries (select, then write) with a scripted chat model on the real store and embeddings:
what is kept, what is replaced by a whole quoted sentence, and the extracted fallback."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from service.chains.summarize import EXTRACTED_NOTE, QUOTED_NOTE, Summarizer
from service.chains.summary_combine import Meaning
from service.chains.summary_model import Cancelled
from service.chains.summary_select import pick_schema, read_picks
from service.chains.summary_sentences import article_sentences
from service.desk import Newsdesk
from service.errors import InvalidInput
from service.prompts import load_prompt
from service.settings import Settings

ARTICLE = """Storm closes L.A. port as U.S. officials warn of more rain

By Jane Smith, Staff Writer

Photo: Getty Images

A powerful storm closed the Port of Los Angeles at 6 a.m. on Tuesday, halting 5.5 million tons of cargo, U.S. officials said.

The National Weather Service said 4.2 inches of rain fell on downtown L.A. in 24 hours, the most since 1938.

"We have never seen water rise this fast in the harbor," said port director Gene Seroka, who ordered all crews off the docks.

- Road closures: Pacific Coast Highway and the 710 freeway
- Shelters: 12 open across the county tonight

Mayor Karen Bass declared a local emergency and asked residents to stay home until Thursday.
"""


def picks(*numbers: int) -> AIMessage:
    return AIMessage(content=json.dumps({"picks": list(numbers)}))


def written(*sentences: tuple[str, list[int]]) -> AIMessage:
    return AIMessage(content=json.dumps({"sentences": [{"text": t, "sources": s} for t, s in sentences]}))


@pytest.fixture
def desk(settings: Settings, tmp_path: Path) -> Newsdesk:
    path = tmp_path / "storm.txt"
    path.write_text(ARTICLE)
    desk = Newsdesk(settings)
    assert not desk.ingestor.ingest_paths([path]).errors
    return desk


def summarize(desk: Newsdesk, *replies: AIMessage, **kwargs: object):  # type: ignore[no-untyped-def]
    llm = GenericFakeChatModel(messages=iter(replies))
    prompt = load_prompt("summary@v2", desk.settings.prompts_dir)
    summarizer = Summarizer(desk.store, llm, desk.embeddings, desk.settings, prompt)
    return summarizer.summarize(**kwargs)  # type: ignore[arg-type]


def test_sentences_stay_whole_and_furniture_is_left_out() -> None:
    texts = [s.text for s in article_sentences(ARTICLE, "Storm closes L.A. port as U.S. officials warn of more rain")]
    assert texts == [
        "A powerful storm closed the Port of Los Angeles at 6 a.m. on Tuesday, "
        "halting 5.5 million tons of cargo, U.S. officials said.",
        "The National Weather Service said 4.2 inches of rain fell on downtown L.A. in 24 hours, the most since 1938.",
        '"We have never seen water rise this fast in the harbor," said port director Gene Seroka, '
        "who ordered all crews off the docks.",
        "Mayor Karen Bass declared a local emergency and asked residents to stay home until Thursday.",
    ]


def test_the_model_can_only_pick_sentences_it_was_shown() -> None:
    schema = pick_schema([3, 4, 5], 2)
    assert schema["properties"]["picks"]["items"]["enum"] == [3, 4, 5]
    assert read_picks({"picks": [5, 9, 5, 3]}, {3, 4, 5}) == [5, 3]


def test_checked_sentences_are_kept_and_failed_ones_replaced_by_the_whole_sentence(desk: Newsdesk) -> None:
    summary = summarize(
        desk,
        picks(1, 2, 3, 4),
        written(
            ("A storm closed the Port of Los Angeles on Tuesday, U.S. officials said.", [1]),
            ("We have never seen water rise this fast in the", [3]),  # cut at a quotation mark
            ("Rain of 9.9 inches fell on L.A., the National Weather Service said.", [2]),  # a number not in the source
            ("Mayor Karen Bass declared a local emergency.", [4]),
        ),
    )
    texts = [b.text for b in summary.bullets]
    assert texts[0] == "A storm closed the Port of Los Angeles on Tuesday, U.S. officials said."
    assert texts[1].startswith("The National Weather Service said 4.2 inches")  # in article order
    assert texts[2].startswith('"We have never seen water rise this fast in the harbor," said port director Gene Seroka')
    assert [b.extracted for b in summary.bullets] == [False, True, True, False]
    assert not summary.extracted and summary.note is None
    article = desk.store.get_article(summary.article_ids[0])
    for c in summary.citations:
        assert article.text[c.start : c.end] == c.quote
    assert all(b.citations for b in summary.bullets)


def test_a_quote_without_its_speaker_is_replaced(desk: Newsdesk) -> None:
    summary = summarize(desk, picks(3), written(("They have never seen water rise this fast in the harbor.", [3])), max_sentences=2)
    speaker = summary.bullets[-1]
    assert speaker.text == article_sentences(ARTICLE)[2].text and speaker.extracted
    assert summary.extracted and summary.note == QUOTED_NOTE  # nothing the model wrote was kept


def test_a_sentence_drawn_from_two_sentences_cites_both(desk: Newsdesk) -> None:
    summary = summarize(
        desk,
        picks(1, 4),
        written(("A storm closed the Port of Los Angeles on Tuesday and Mayor Karen Bass declared a local emergency.", [1, 4])),
        max_sentences=2,
    )
    bullet = summary.bullets[0]
    assert not bullet.extracted and len(bullet.citations) == 2


def test_when_nothing_is_written_the_lead_is_quoted_and_marked_extracted(desk: Newsdesk) -> None:
    summary = summarize(desk, picks(2), AIMessage(content="not json at all"), max_sentences=3)
    assert summary.extracted and summary.note == EXTRACTED_NOTE
    assert [b.text for b in summary.bullets] == [s.text for s in article_sentences(ARTICLE)[:3]]
    assert summary.text.startswith(f"_{EXTRACTED_NOTE}_")


def test_the_length_budget_is_the_callers(desk: Newsdesk) -> None:
    summary = summarize(
        desk,
        picks(1, 2),
        written(
            ("A storm closed the Port of Los Angeles on Tuesday, U.S. officials said.", [1]),
            ("The National Weather Service said 4.2 inches of rain fell on downtown L.A.", [2]),
        ),
        max_sentences=1,
    )
    assert len(summary.bullets) == 1
    with pytest.raises(InvalidInput, match="max_sentences"):
        summarize(desk, max_sentences=99)


def test_a_stopped_summary_ends_before_the_next_generation(desk: Newsdesk) -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        summarize(desk, picks(1), stop=stop)


def test_a_quote_that_names_nobody_is_never_a_summary_sentence(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "hurdles.txt"
    path.write_text(
        "Claxton eyes first major medal\n\n"
        "British hurdler Sarah Claxton is confident she can win her first major medal in Madrid next month.\n"
        '"I am quite confident," said Claxton.\n'
        '"But I take each race as it comes and I will not get ahead of myself."\n'
    )
    desk = Newsdesk(settings)
    assert not desk.ingestor.ingest_paths([path]).errors
    summary = summarize(desk, picks(3, 2), written(("I take each race as it comes.", [3])), max_sentences=3)
    assert all("each race" not in b.text for b in summary.bullets)
    assert summary.bullets[0].text.startswith("British hurdler Sarah Claxton")


def test_summary_v3_chooses_the_lead_and_central_sentences_and_asks_the_model_once(desk: Newsdesk) -> None:
    llm = GenericFakeChatModel(messages=iter([written(("A storm closed the Port of Los Angeles on Tuesday.", [1]))]))
    prompt = load_prompt("summary@v3", desk.settings.prompts_dir)
    summary = Summarizer(desk.store, llm, desk.embeddings, desk.settings, prompt).summarize(max_sentences=2)
    assert summary.prompt_version == "summary@v3"
    assert [b.text for b in summary.bullets][0] == "A storm closed the Port of Los Angeles on Tuesday."
    second = summary.bullets[1]  # a chosen sentence the model did not write about, quoted whole
    assert second.extracted and second.text in [s.text for s in article_sentences(ARTICLE)[1:]]


def test_the_most_central_sentence_says_what_the_others_are_about(desk: Newsdesk) -> None:
    texts = [
        "Heavy rain flooded the harbor district overnight.",
        "The storm brought record rain and flooding to the harbor.",
        "Flood water from the storm closed roads near the harbor.",
        "The city library extended its opening hours for students.",
    ]
    order = Meaning(desk.embeddings).central(texts)
    assert order[-1] == 3 and order[0] in (0, 1, 2)


def test_a_piece_split_off_after_an_abbreviation_is_joined_back() -> None:
    text = (
        "The program is likely to be dropped because of opposition from Sen. Joe Manchin, D-W.Va., "
        "multiple sources have told NBC News.\nHe met iPhone makers on Monday in the city. eBay said nothing about the deal."
    )
    assert [s.text for s in article_sentences(text)] == [
        "The program is likely to be dropped because of opposition from Sen. Joe Manchin, D-W.Va., "
        "multiple sources have told NBC News.",
        "He met iPhone makers on Monday in the city.",
        "eBay said nothing about the deal.",
    ]
