"""The public summary eval's scoring: reference facts, outlet-label truth, splits and kinds, on
the real store with a scripted chat model (no local model)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGenerationChunk

from service.chains.summarize import Bullet, Summary
from service.desk import Newsdesk
from service.errors import TimedOut
from service.evals import summary_public
from service.evals.summary_public import fact_credit, label_truth
from service.settings import Settings

HARBOR_TIMES = """---
title: Council backs harbor budget
outlet: Harbor Times
url: https://harbor-times.example/council-backs-harbor-budget
---
The city council approved the harbor budget on Monday after a long debate.

The budget sets aside $12 million for repairs to the old pier.
"""

BAY_POST = """---
title: Harbor plan passes
outlet: Bay Post
---
The city council approved the harbor budget on Monday after a long debate.

The mayor's office expects the project to create 200 new jobs in the harbor district.
"""

STORM = """Storm closes Los Angeles port

A powerful storm closed the Port of Los Angeles on Tuesday, halting 5.5 million tons of cargo.

Mayor Karen Bass declared a local emergency and asked residents to stay home until Thursday.
"""


def test_a_fact_is_covered_by_its_names_and_numbers() -> None:
    fact = "Quarterly profits at TimeWarner jumped 76% to $1.13bn for the three months to December."
    assert fact_credit(fact, "TimeWarner profits rose 76% to $1.13bn in the quarter to December.") == 1.0
    assert fact_credit(fact, "TimeWarner profits rose sharply in December.") == 0.5
    assert fact_credit(fact, "The company did well.") == 0.0


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A two-item dataset: one article (dev) and one story from two outlets (held out)."""
    (tmp_path / "articles").mkdir()
    for name, text in (("storm.txt", STORM), ("harbor-a.md", HARBOR_TIMES), ("harbor-b.md", BAY_POST)):
        (tmp_path / "articles" / name).write_text(text)
    items = [
        {
            "id": "storm",
            "kind": "single",
            "split": "dev",
            "files": ["articles/storm.txt"],
            "title": "Storm closes Los Angeles port",
            "reference_facts": ["Mayor Karen Bass declared a local emergency.", "The storm halted 5.5 million tons of cargo."],
        },
        {
            "id": "harbor",
            "kind": "multi",
            "split": "heldout",
            "files": ["articles/harbor-a.md", "articles/harbor-b.md"],
            "title": "Harbor budget",
            "reference_facts": ["The council set aside $12 million for the pier."],
        },
    ]
    (tmp_path / "dataset.json").write_text(json.dumps({"items": items}))
    return tmp_path


def reply(**data: object) -> AIMessage:
    return AIMessage(content=json.dumps(data))


def test_outlet_labels_are_true_only_when_exactly_those_outlets_state_the_fact(settings: Settings, dataset: Path) -> None:
    desk = Newsdesk(settings)
    desk.ingestor.ingest_paths([dataset / "articles" / "harbor-a.md", dataset / "articles" / "harbor-b.md"])
    articles = [desk.store.get_article(a.id) for a in desk.store.list_articles()]
    both = "The city council approved the harbor budget on Monday after a long debate."
    pier = "The budget sets aside $12 million for repairs to the old pier."
    summary = Summary([a.id for a in articles], [], [], "summary@v2", "scripted")
    summary.bullets = [
        Bullet(both, [1, 2], ["Harbor Times", "Bay Post"], "all"),  # true
        Bullet(pier, [3], ["Harbor Times"], "only"),  # true
        Bullet(both, [1], ["Harbor Times"], "only"),  # false: Bay Post says it too
        Bullet(pier, [3], ["Harbor Times", "Bay Post"], "all"),  # false: Bay Post doesn't
    ]
    shown, false = label_truth(summary, articles)  # type: ignore[arg-type]
    assert shown == 4 and [f.split(" | ")[1] for f in false] == ["labelled Harbor Times", "labelled Harbor Times, Bay Post"]


def test_each_kind_and_split_is_reported_on_its_own(settings: Settings, dataset: Path) -> None:
    replies = [
        AIMessage(content="OK"),  # the warm-up call
        reply(picks=[1, 2]),
        reply(sentences=[{"text": "Mayor Karen Bass declared a local emergency in Los Angeles.", "sources": [2]}]),
        reply(picks=[1, 2]),
        reply(sentences=[{"text": "The budget sets aside $12 million for repairs to the old pier.", "sources": [2]}]),
        reply(picks=[1, 2]),
        reply(sentences=[{"text": "The harbor project is expected to create 200 new jobs.", "sources": [2]}]),
    ]
    desk = Newsdesk(settings, llm=GenericFakeChatModel(messages=iter(replies)))
    report = summary_public.run(dataset, desk, systems=("newsdesk",))
    table = report.table()
    assert list(table) == ["newsdesk single dev", "newsdesk multi heldout"]
    single, multi = table["newsdesk single dev"], table["newsdesk multi heldout"]
    assert single["unsupported_sentences"] == 0 and single["cut_sentences"] == 0 and single["empty"] == 0
    assert single["facts_covered_pct"] == 100.0  # the lead sentence is kept beside the written one
    assert multi["outlet_labels_true"] != "-" and multi["facts_covered_pct"] == 100.0
    shown, true = (int(n) for n in multi["outlet_labels_true"].split("/"))
    assert shown >= 3 and true == shown


def test_only_the_chosen_split_is_run(settings: Settings, dataset: Path) -> None:
    assert [i["id"] for i in summary_public.load_items(dataset, splits=("heldout",))] == ["harbor"]
    assert [i["id"] for i in summary_public.load_items(dataset, kinds=("single",))] == ["storm"]
    with pytest.raises(FileNotFoundError, match="build.py"):
        summary_public.load_items(dataset / "missing")


class TimingOut(GenericFakeChatModel):
    """Answers the warm-up call, then times out like the local model on a loaded machine."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        raise TimedOut("the local model took longer than 120s")


def test_an_item_the_model_fails_on_is_counted_as_failed_not_scored(settings: Settings, dataset: Path) -> None:
    desk = Newsdesk(settings, llm=TimingOut(messages=iter([AIMessage(content="OK")])))
    report = summary_public.run(dataset, desk, systems=("newsdesk",), kinds=("single",))
    assert report.table() == {"newsdesk single dev": {"items": 0, "failed": 1}}
    assert report.items[0].error == "TimedOut: the local model took longer than 120s"
