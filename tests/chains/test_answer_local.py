"""The answering chain on the real embedded model (llama.cpp in-process) over the real seeded store."""

import pytest

from service.desk import Newsdesk

pytestmark = pytest.mark.llm


def ask(desk: Newsdesk, *turns: str):
    roles = ["user", "assistant"]
    return desk.answerer().answer([{"role": roles[i % 2], "content": t} for i, t in enumerate(turns)])


def test_answer_cites_verified_quotes(seeded_desk: Newsdesk) -> None:
    answer = ask(seeded_desk, "Who greeted Blinken when he arrived in Beijing?")
    assert not answer.abstained and "Qin Gang" in answer.text
    assert answer.citations and all("Qin" in c.quote for c in answer.citations)
    for c in answer.citations:
        assert seeded_desk.store.get_article(c.article_id).text[c.start : c.end] == c.quote
    assert answer.model == "qwen2.5-coder-0.5b-instruct-q4" and answer.prompt_version == "answer@v3"
    assert answer.usage["prompt_tokens"] > 100 and answer.timings["total_s"] > 0
    assert answer.removed_markers == 0  # the grammar only lets the model name the sentences it was shown


@pytest.mark.parametrize(
    "question",
    ["Who won the football world cup final?", "What is the recipe for banana bread?", "What did Blinken eat for dinner?"],
)
def test_questions_the_seeds_never_mention_abstain(seeded_desk: Newsdesk, question: str) -> None:
    answer = ask(seeded_desk, question)
    assert answer.abstained and answer.citations == []
    assert answer.text in ("The articles don't say.", "The articles don't clearly say.")


def test_follow_up_rewritten_with_real_model(seeded_desk: Newsdesk) -> None:
    answer = ask(
        seeded_desk,
        "Who greeted Blinken at the villa?",
        "Chinese Foreign Minister Qin Gang greeted him [1].",
        "Where did he greet him?",
    )
    assert answer.standalone_question != "Where did he greet him?"
    assert any(name in answer.standalone_question for name in ("Qin", "Blinken"))
