"""Cross-source summaries with a scripted chat model on the real store and embeddings: who
reports what is decided by the support check and meaning, and different numbers are shown
side by side."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from service.chains.summarize import Summarizer
from service.chains.summary_combine import CrossCheck, Meaning, Other, names_of
from service.chains.summary_sentences import ArticleSentence
from service.desk import Newsdesk
from service.prompts import load_prompt
from service.settings import Settings

HARBOR_TIMES = """---
title: Council backs harbor budget
outlet: Harbor Times
---
The city council approved the harbor budget on Monday after a long debate.

The budget sets aside $12 million for repairs to the old pier.

Council member Ana Ruiz said the vote was a turning point for the port.
"""

BAY_POST = """---
title: Harbor plan passes
outlet: Bay Post
---
On Monday the city council voted to approve the harbor budget after a lengthy debate.

The plan includes $15 million for repairs to the old pier.

The mayor's office expects the project to create 200 new jobs in the harbor district.
"""


def reply(data: dict) -> AIMessage:
    return AIMessage(content=json.dumps(data))


def copies(texts: list[str]) -> AIMessage:
    """The model's write turn: each sentence copied, citing its own number."""
    return reply({"sentences": [{"text": t, "sources": [n]} for n, t in enumerate(texts, 1)]})


def test_shared_unique_and_contradicting_facts(settings: Settings, tmp_path: Path) -> None:
    for name, text in (("times.md", HARBOR_TIMES), ("post.md", BAY_POST)):
        (tmp_path / name).write_text(text)
    desk = Newsdesk(settings)
    assert not desk.ingestor.ingest_paths([tmp_path / "times.md", tmp_path / "post.md"]).errors
    ids = {a.outlet: a.id for a in desk.store.list_articles()}
    times = [line for line in HARBOR_TIMES.splitlines()[4:] if line]
    post = [line for line in BAY_POST.splitlines()[4:] if line]
    llm = GenericFakeChatModel(
        messages=iter([reply({"picks": [1, 2, 3]}), copies(times), reply({"picks": [1, 2, 3]}), copies(post)])
    )
    prompt = load_prompt("summary@v2", settings.prompts_dir)
    summary = Summarizer(desk.store, llm, desk.embeddings, settings, prompt).summarize([ids["Harbor Times"], ids["Bay Post"]])

    labels = {b.text: (b.scope, b.outlets) for b in summary.bullets}
    assert labels[times[0]] == ("all", ["Harbor Times", "Bay Post"])  # the same fact in other words
    assert labels[times[2]] == ("only", ["Harbor Times"])
    assert labels[post[2]] == ("only", ["Bay Post"])
    assert post[0] not in labels  # merged into the Harbor Times sentence
    assert times[1] not in labels and post[1] not in labels  # they disagree: not "only in" either
    quotes = {c.n: c.quote for c in summary.citations}
    assert [(d.outlets, [quotes[n] for n in d.citations]) for d in summary.disagreements] == [
        (["Harbor Times", "Bay Post"], [times[1], post[1]])
    ]
    text = summary.text
    assert text.index("**Reported by all sources**") < text.index("**Only in Harbor Times**") < text.index("**Only in Bay Post**")
    assert "**The sources differ**" in text and "$12 million" in text and "$15 million" in text


def test_a_quote_is_never_credited_to_an_outlet_that_does_not_carry_it(settings: Settings) -> None:
    meaning = Meaning(Newsdesk(settings).embeddings)
    other = [
        "Colin Powell died on Monday at the age of 84 of complications from COVID-19.",
        "His family thanked the staff of Walter Reed National Medical Center, where Powell was treated.",
    ]
    sentences = [ArticleSentence(n, 0, len(t), t) for n, t in enumerate(other, 1)]
    examiner = Other("a2", "Powell dead at 84", "Washington Examiner", sentences, names_of(" ".join(other)))
    check = CrossCheck(meaning)
    quote = '"We have lost a remarkable and loving husband, father and a great American," Powell\'s family said.'
    assert check.match(quote, examiner) is None
    fact = "Colin Powell died on Monday at the age of 84 from complications of COVID-19."
    match = check.match(fact, examiner)
    assert match is not None and match.supports and match.sentence.n == 1
