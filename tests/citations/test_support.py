"""The support checker on crafted claims: what a reader would call supported, and what not."""

import pytest

from service.citations.answers_question import answers_question, fits_question
from service.citations.support import SupportChecker

QUOTE = (
    "Upon arrival, Blinken was received by Chinese Foreign Minister Qin Gang at the door of a villa "
    "in the Diaoyutai State Guest House."
)
VISIT = "This marks the first visit by a senior US official to China in nearly five years."
check = SupportChecker().check


@pytest.mark.parametrize(
    "claim",
    [
        "Qin Gang received Blinken at a villa.",
        "Blinken was received by Qin Gang at the door of a villa.",
        "Chinese Foreign Minister Qin Gang received Blinken at the Diaoyutai State Guest House.",
    ],
)
def test_true_claims_are_supported(claim: str) -> None:
    assert check(claim, [QUOTE]).supported


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("Blinken received Qin Gang at a villa.", "other way round"),  # subject and object swapped
        ("Qin Gang was received by Blinken at a villa.", "other way round"),
        ("Blinken was not received by Qin Gang.", "negates"),
        ("Wang Yi received Blinken at a villa.", "'wang' is not in the quote"),
        ("Qin Gang received Blinken at a villa on Monday.", "date 'mon'"),
    ],
)
def test_false_claims_are_refused_with_a_reason(claim: str, reason: str) -> None:
    verdict = check(claim, [QUOTE])
    assert not verdict.supported and reason in verdict.reason


def test_numbers_must_match_in_any_spelling() -> None:
    assert check("It was the first visit by a senior US official to China in 5 years.", [VISIT]).supported
    assert "number 6" in check("It was the first visit by a senior US official to China in six years.", [VISIT]).reason


def test_a_claim_may_need_two_adjacent_quotes() -> None:
    quotes = ["Blinken arrived in Beijing on Sunday.", "He met Qin Gang at a villa."]
    assert check("Blinken arrived in Beijing on Sunday and met Qin Gang at a villa.", quotes).supported
    assert not check("Blinken arrived in Beijing on Sunday and met Qin Gang at a villa.", quotes[:1]).supported


def test_paraphrase_is_accepted_when_close_in_meaning() -> None:
    claim = "Blinken was warmly welcomed at the villa door by the Chinese minister."
    assert not check(claim, [QUOTE]).supported  # too few of its words in the quote to accept on words alone
    close = SupportChecker(embed=lambda texts: [[1.0, 0.0]] * len(texts)).check(claim, [QUOTE])
    far = SupportChecker(embed=lambda texts: [[1.0, 0.0], [0.0, 1.0]]).check(claim, [QUOTE])
    assert close.supported and not far.supported


def test_an_answer_must_add_what_the_question_asks_for() -> None:
    assert answers_question("Why was the trip postponed?", "The trip was postponed.")
    assert answers_question("Why was the trip postponed?", "A spy balloon flew over the US.") is None
    assert "number" in answers_question("How many people died?", "Several people died in the fire.")
    assert answers_question("How many people died?", "Twelve people died.") is None
    assert "when" in answers_question("When did Blinken arrive?", "Blinken arrived in Beijing.")
    assert answers_question("When did Blinken arrive?", "Blinken arrived on Sunday.") is None


SMALL_TALK = (
    "Chinese Foreign Minister Qin Gang greeted Mr Blinken at the door to a villa, as the two made small talk "
    "in English before shaking hands in front a Chinese and an American flag."
)


def test_a_short_answer_must_be_what_the_quote_says_about_the_question() -> None:
    question = "In what language did Blinken and Qin make small talk?"
    assert fits_question(question, "English", [SMALL_TALK]) is None
    assert "doesn't connect" in fits_question(question, "Chinese", [SMALL_TALK])  # in the quote, but not the language


def test_a_sentence_must_be_cited_to_a_passage_about_the_question() -> None:
    visit = "During his visit, Blinken is expected to meet with China's top diplomat Wang Yi and possibly President Xi."
    assert "something else" in fits_question("In front of what did Blinken and Qin shake hands?", visit, [visit])
    assert fits_question("Who was Blinken expected to meet during his visit?", visit, [visit]) is None


def test_a_first_name_may_be_missing_only_right_before_its_surname() -> None:
    quote = "Among Mrs. Clinton's disclosures was that she was paid $9.68 million in 2013 for 41 speeches."
    assert check("Hillary Clinton was paid $9.68 million in 2013 for 41 speeches.", [quote]).supported
    visit = "Blinken is expected to meet Wang Yi and possibly President Xi."
    assert "'jinping'" in check("Xi Jinping will meet Blinken.", [visit]).reason


def test_a_full_name_answers_where_the_quote_has_the_surname_alone() -> None:
    quote = "The report was prepared by a 12-person task force, called the School Shield Program, led by Hutchinson."
    assert check("Asa Hutchinson", [quote]).supported
    assert "'john'" in check("John Hutchinson", ["The task force was led by Asa Hutchinson."]).reason


def test_an_answer_in_the_question_own_words_is_not_an_answer() -> None:
    question = "What did Xi Jinping tell Blinken during their meeting?"
    assert "repeats the question" in answers_question(question, "President Xi Jinping told Blinken during their meeting.")


def test_a_short_answer_may_sit_near_the_names_where_the_quote_words_the_question_otherwise() -> None:
    quote = "Upon arrival, Blinken was received by Chinese Foreign Minister Qin Gang at the door of a villa."
    assert fits_question("Where did Blinken meet Qin Gang?", "villa", [quote]) is None  # "received", not "met"
    assert "names who the question is about" in fits_question("Who visited Beijing after Blinken?", "Antony Blinken", [quote])


def test_a_title_does_not_make_a_restated_name_an_answer() -> None:
    quote = "Rep. Blake Farenthold (R-Texas) is resigning from Congress, he announced Friday."
    question = "Who was chosen to fill Farenthold's House seat after he resigned?"
    assert "names who the question is about" in fits_question(question, "Rep. Blake Farenthold", [quote])


def test_the_words_of_one_name_count_as_one_step() -> None:
    quote = (
        "Mr. Clinton earned $13.17 million in 2013, also for 41 speeches, the most lucrative of these, at $750,000, "
        "for addressing Handelsbanken Capital Markets in Stockholm that May."
    )
    question = "Which company paid Bill Clinton $750,000 for a speech in Stockholm?"
    assert fits_question(question, "Handelsbanken Capital Markets", [quote]) is None


def test_a_short_answer_described_by_several_question_words_fits() -> None:
    quote = (
        "“Arming the teacher is merely a response to the last tragedy,” said Representative Mike Thompson, "
        "a California Democrat who is chairman of a House task force on gun violence."
    )
    question = "Which California Democrat, chairman of a House task force on gun violence, criticized arming teachers?"
    assert fits_question(question, "Mike Thompson", [quote]) is None
    # One question word three steps away is not enough: "Chinese" is not the language of the small talk.
    assert "doesn't connect" in fits_question("In what language did Blinken and Qin make small talk?", "Chinese", [SMALL_TALK])


def test_the_judge_decides_only_what_the_rules_cannot_check_from_the_words() -> None:
    asked: list[str] = []

    def judge(claim: str, quotes) -> bool:
        asked.append(claim)
        return True

    checker = SupportChecker(judge=judge)
    # Worded otherwise ("entrance" for "door"): the rules can't tell, the judge says yes.
    assert checker.check("Qin Gang welcomed Blinken at the entrance of a guest house.", [QUOTE]).supported
    # Swapped roles and a wrong number are refused by the rules, whatever the judge would say.
    assert not checker.check("Blinken received Qin Gang at the door of a villa.", [QUOTE]).supported
    assert not checker.check("This is the first visit by a senior US official in nearly six years.", [VISIT]).supported
    assert asked == ["Qin Gang welcomed Blinken at the entrance of a guest house."]
    assert (
        not SupportChecker(judge=lambda c, q: False)
        .check("Qin Gang welcomed Blinken at the entrance of a guest house.", [QUOTE])
        .supported
    )


def test_a_verb_the_quote_lacks_is_put_to_the_judge_not_passed_on_the_other_words() -> None:
    """Every word but the verb is in the quote: "opposed" may be an opposite, and only the judge can tell."""
    quote = "Hutchinson, though, did call for the creation of a 40-60 hour training program for armed officers."
    opposed = "Hutchinson opposed a 40-60 hour training program for armed officers."
    asked: list[str] = []

    def judge(claim: str, quotes) -> bool:
        asked.append(claim)
        return False

    verdict = SupportChecker(judge=judge).check(opposed, [quote])
    assert not verdict.supported and asked == [opposed] and "oppos" in verdict.reason
    # The quote's own verb needs no judge.
    assert (
        SupportChecker(judge=judge)
        .check("Hutchinson called for a 40-60 hour training program for armed officers.", [quote])
        .supported
    )
    assert asked == [opposed]


def test_a_particle_of_the_opposite_direction_is_an_opposite() -> None:
    quote = "Nancy Pelosi tried on Tuesday to play down any split between Democrats and Mr. Obama."
    assert "not 'up'" in check("Pelosi tried to play up the split between Democrats and Obama.", [quote]).reason
    assert check("Pelosi tried to play down the split between Democrats and Obama.", [quote]).supported


def test_a_name_with_an_apostrophe_is_one_name() -> None:
    quote = "Ronnie O'Sullivan beat John Higgins 10-7 to win the Masters on Sunday."
    assert check("Ronnie O'Sullivan beat John Higgins.", [quote]).supported
    assert "o'sullivan" in check("O'Sullivan won the Masters.", ["John Higgins won the Masters."]).reason


def test_an_answer_near_only_the_names_of_a_quote_that_never_words_the_question_does_not_fit() -> None:
    # "eat" and "dinner" are nowhere in the quote: "a Chinese and an American flag" is near "Mr Blinken" only.
    assert "doesn't connect" in fits_question("What did Blinken eat for dinner?", "Chinese and an American flag", [SMALL_TALK])


def test_a_passage_about_a_namesake_does_not_answer() -> None:
    quote = "Hillary Clinton's doctor declared she is in excellent physical condition and fit to serve as president."
    sentence = "Clinton's doctor declared she is in excellent physical condition."
    assert "another Clinton" in fits_question("What did Bill Clinton's doctor say about his health?", sentence, [quote])
    assert fits_question("What did Hillary Clinton's doctor say about her health?", sentence, [quote]) is None
    mrs = "Mrs. Clinton's doctor declared she is in excellent physical condition."
    assert fits_question("What did Hillary Clinton's doctor say about her health?", sentence, [mrs]) is None


def test_a_who_or_which_question_is_not_answered_by_an_amount() -> None:
    question = "In which federal prison did Jesse Jackson Jr. serve his sentence?"
    assert "only an amount" in answers_question(question, "46 to 57 months in prison")
    assert answers_question(question, "Butner federal prison in North Carolina") is None
    assert answers_question("In which year did Biden take office?", "2021") is None


def test_a_short_answer_must_not_be_what_the_quote_says_did_not_or_may_happen() -> None:
    lone = "Two senators didn't vote at all: Sens. Tim Kaine and Bernie Sanders."
    assert "didn't happen" in fits_question("Which senator cast the only vote against the override?", "Tim Kaine", [lone])
    sought = "Prosecutors said they would seek to have him sentenced to 18 to 24 months."
    question = "How many months in prison was Jackson finally sentenced to?"
    assert "planned" in fits_question(question, "18 to 24 months", [sought])
    assert fits_question("How long a sentence would prosecutors seek?", "18 to 24 months", [sought]) is None
    recommended = "Prosecutors recommended that Mr. Jackson receive a sentence of 46 to 57 months in prison."
    assert "planned" in fits_question(question, "57 months", [recommended])
    assert fits_question("What sentence did prosecutors recommend for Jackson?", "46 to 57 months", [recommended]) is None
    said = "He said the bill passed 97-1, with Reid the lone vote against."
    assert fits_question("Which senator cast the only vote against the bill?", "Reid", [said]) is None


def test_coordinated_subjects_all_did_it() -> None:
    quote = "Hillary and Bill Clinton earned roughly $141 million from 2007 to 2014, according to tax returns."
    assert check("The Clintons earned $141 million from 2007 to 2014.", [quote]).supported


def test_a_verb_said_of_one_thing_is_not_said_of_what_the_next_sentence_treats_otherwise() -> None:
    quotes = [
        "Family dental bills paid with campaign funds were characterized as a charitable contribution to Smiles for Life.",
        "Theater tickets were mischaracterized as holiday expenses.",
    ]
    assert "of something else" in check("Theater tickets were characterized as a contribution to Smiles for Life.", quotes).reason
    assert check("Dental bills were characterized as a contribution to Smiles for Life.", quotes).supported


def test_a_capital_at_the_start_of_a_claim_is_not_a_name() -> None:
    quote = "Later that day she pleaded guilty to a charge that she filed false income tax statements."
    assert check("Filing false income tax statements", [quote]).supported
    assert "'sandi'" in check("Sandi filed false income tax statements.", [quote]).reason


def test_a_short_answer_in_the_clause_of_the_verb_asked_about_fits() -> None:
    quote = "He repaid his campaign more than $60,000 earlier this year for improper expenses dating back to 2015."
    assert fits_question("About how much had Hunter repaid to his campaign?", "more than $60,000", [quote]) is None
    took = "Mr Blinken is the first US official to visit China since President Joe Biden took office in January 2021."
    assert fits_question("In what year did the Biden administration take office?", "2021", [took]) is None
    assert "doesn't connect" in fits_question("In what year did Blinken first visit China?", "2021", [took])


def test_a_passage_about_the_question_is_found_by_lemma() -> None:
    quote = "They gave nearly $15 million to charity, or an average of 10.8 percent of their earnings."
    question = "How much did the Clintons give to charity from 2007 to 2014?"
    assert fits_question(question, "The Clintons gave nearly $15 million to charity.", [quote]) is None


def test_a_name_from_the_title_stands_for_a_pronoun_not_for_someone_the_quote_names() -> None:
    title = "Blinken arrives in Beijing for talks"
    assert check("Blinken met Qin Gang on Sunday.", ["He met Qin Gang on Sunday."], title).supported
    verdict = check(
        "Xi Jinping told Blinken about Taiwan.",
        ["President Joe Biden and President Xi Jinping held talks about Taiwan in Bali."],
        title,
    )
    assert not verdict.supported and "only in the title" in verdict.reason


def test_an_answer_that_stops_partway_through_the_quotes_list_is_refused() -> None:
    quote = (
        "Mr Blinken said his trip had three main objectives: Setting up mechanisms for crisis management, "
        "advancing US and allies’ interests and speaking directly about related concerns, and exploring areas "
        "of potential co-operation."
    )
    question = "What were the three main objectives of Blinken's trip?"
    cut = (
        "Setting up mechanisms for crisis management, advancing US and allies’ interests, "
        "and speaking directly about related concerns"
    )
    assert "partway through the quote's list" in fits_question(question, cut, [quote])
    assert fits_question(question, cut + ", and exploring areas of potential co-operation", [quote]) is None
    # Not a further item: the rest of a name the answer shortened, or a noun after a list of places.
    meet = "Mr Blinken is expected to meet Wang Yi and possibly President Xi Jinping, seeking to establish channels."
    assert fits_question("Who was Blinken expected to meet?", "Wang Yi and possibly President Xi", [meet]) is None
    paid = "Hunter used campaign funds to pay for family vacations to Italy and Hawaii, school tuition and dental work."
    assert fits_question("Where did Hunter take family vacations?", "Italy and Hawaii", [paid]) is None
