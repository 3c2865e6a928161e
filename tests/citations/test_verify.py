"""Citation verification on crafted cases (no model)."""

from service.citations.answers_question import fits_question
from service.citations.verify import Draft, Source, parse_prose, verify

ARTICLE = "Qin Gang greeted Blinken at the door. They shook hands in front of flags. Talks lasted hours."
SOURCES = [
    Source(1, "a:0000", "a", "Title A", "Minute Mirror", ARTICLE[:73], 0),
    Source(2, "b:0003", "b", "Title B", "The New Daily", "A suspected spy balloon flew over US airspace in February.", 500),
]


def test_supported_sentence_gets_verbatim_quote_with_article_offsets() -> None:
    v = verify([Draft("Qin Gang greeted Blinken.", [1])], SOURCES)
    [c] = v.citations
    assert c.quote == "Qin Gang greeted Blinken at the door." and ARTICLE[c.start : c.end] == c.quote
    assert v.text == "Qin Gang greeted Blinken [1]." and v.unsupported == 0


def test_offsets_are_in_the_article_not_the_chunk() -> None:
    [c] = verify([Draft("A spy balloon flew over US airspace.", [2])], SOURCES).citations
    assert (c.start, c.end) == (500, 500 + len(c.quote)) and c.outlet == "The New Daily"


def test_marker_to_source_not_retrieved_is_removed_and_counted() -> None:
    v = verify([Draft("Qin Gang greeted Blinken.", [1, 7])], SOURCES)
    assert v.removed_markers == 1 and [c.source for c in v.citations] == [1]


def test_wrong_marker_number_is_moved_to_the_source_that_says_it() -> None:
    v = verify([Draft("A spy balloon flew over US airspace.", [1])], SOURCES)
    assert v.corrected_markers == 1 and v.citations[0].source == 2 and not v.sentences[0].unsupported


def test_sentence_with_no_support_is_flagged() -> None:
    v = verify([Draft("Blinken ate noodles with Xi in Shanghai.", [1])], SOURCES)
    assert v.sentences[0].unsupported and v.citations == [] and v.unsupported == 1


def test_same_quote_cited_twice_gets_one_number() -> None:
    v = verify([Draft("Qin Gang greeted Blinken.", [1]), Draft("Blinken was greeted by Qin Gang at the door.", [1])], SOURCES)
    assert len(v.citations) == 1 and v.text.count("[1]") == 2


def test_prose_with_inline_markers_is_parsed() -> None:
    drafts = parse_prose("Qin greeted him [1][2]. Balloon delayed it [2].")
    assert [(d.text, d.sources) for d in drafts] == [("Qin greeted him.", [1, 2]), ("Balloon delayed it.", [2])]


def test_source_that_says_it_clearly_better_is_cited_too() -> None:
    sources = [
        Source(1, "a:0", "a", "A", "Minute Mirror", "Blinken met officials in Beijing on Sunday.", 0),
        Source(2, "b:0", "b", "B", "The New Daily", "Qin Gang greeted Blinken in English at the villa door in Beijing.", 0),
    ]
    v = verify([Draft("Qin Gang greeted Blinken in English at the villa door in Beijing.", [1])], sources)
    assert "The New Daily" in [c.outlet for c in v.citations]
    assert v.corrected_markers == 1


def test_a_sentence_is_cited_to_the_source_that_answers_the_question_when_the_cited_one_does_not() -> None:
    """Small models often cite a sentence that names the answer for something else."""
    sources = [
        Source(
            1,
            "a:0",
            "a",
            "A",
            "X",
            "The goal was for Duncan Hunter and Margaret Hunter to enrich themselves, the indictment says.",
            0,
        ),
        Source(2, "b:0", "b", "B", "Y", "Duncan Hunter and his wife, Margaret Hunter, were indicted on Tuesday.", 0),
    ]
    question = "What is the first name of Duncan Hunter's wife, who was indicted with him?"
    v = verify([Draft("Margaret", [1])], sources, fits=lambda text, quotes: fits_question(question, text, quotes))
    assert [c.source for c in v.citations] == [2] and v.corrected_markers == 1 and not v.sentences[0].unsupported
    alone = verify([Draft("Margaret", [1])], sources[:1], fits=lambda text, quotes: fits_question(question, text, quotes))
    assert alone.sentences[0].unsupported and "doesn't connect" in alone.sentences[0].reason


def test_markers_do_not_split_an_abbreviation_at_the_end() -> None:
    sources = [Source(1, "a:0", "a", "A", "X", "The resignation takes effect at 5 p.m. on Friday.", 0)]
    v = verify([Draft("It takes effect at 5 p.m.", [1])], sources)
    assert v.text == "It takes effect at 5 p.m. [1]"


def test_an_answer_that_drops_the_last_items_of_the_quotes_list_is_completed_from_the_quote() -> None:
    """Small models drop the end of a list: the rest is added word for word from the quote, and cited."""
    quote = (
        "Mr Blinken said his trip had three main objectives: Setting up mechanisms for crisis management, "
        "advancing US and allies’ interests and speaking directly about related concerns, and exploring areas "
        "of potential co-operation."
    )
    sources = [Source(1, "a:0", "a", "A", "X", quote, 0)]
    question = "What were the three main objectives of Blinken's trip?"
    cut = (
        "Setting up mechanisms for crisis management, advancing US and allies’ interests, "
        "and speaking directly about related concerns."
    )
    v = verify([Draft(cut, [1])], sources, fits=lambda text, quotes: fits_question(question, text, quotes))
    [sentence] = v.sentences
    assert sentence.text == cut[:-1] + ", and exploring areas of potential co-operation."
    assert not sentence.unsupported and v.citations[0].quote == quote
    whole = verify([Draft(sentence.text, [1])], sources)
    assert whole.sentences[0].text == sentence.text  # a whole list is left as it is
