"""The runner on real embeddings and Chroma with a scripted chat model: corpus store, resume, judge, summaries."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from service.errors import InvalidInput
from service.evals.runner import EvalRun
from service.settings import Settings
from tests.conftest import SEEDS
from tests.evals.conftest import EVALS

REPLY = AIMessage(content='{"sentences": [{"text": "Chinese Foreign Minister Qin Gang greeted Mr Blinken.", "sources": [1]}]}')
DATASET = """
questions:
  - id: greeter
    question: Who greeted Blinken when he arrived in Beijing?
    facts: [{aliases: [Qin Gang], sources: [Minute Mirror, The New Daily]}]
  - id: hua-tweet
    question: Who expressed hope in a tweet that the meeting would steer relations back?
    facts: [{aliases: [Hua Chunying], sources: [Minute Mirror]}]
  - id: bali
    question: Where did Biden and Xi meet in November?
    facts: [{aliases: [Bali], sources: [Minute Mirror, The New Daily]}]
"""


def scripted(replies: int, then_interrupt: bool = False) -> Iterator[AIMessage]:
    yield from itertools.repeat(REPLY, replies)
    if then_interrupt:
        raise KeyboardInterrupt
    raise AssertionError("the model was called more often than expected")


def fake(replies: int, then_interrupt: bool = False) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=scripted(replies, then_interrupt))


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "three.yaml"
    path.write_text(DATASET)
    return path


def test_interrupted_run_resumes_without_redoing_answered_entries(settings: Settings, dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        EvalRun(settings, dataset, corpus=SEEDS, out=out, llm=fake(1, then_interrupt=True)).execute()
    assert len((out / "results.jsonl").read_text().splitlines()) == 1
    assert (out / "store" / "chroma").is_dir()  # the corpus went into a store of the run's own

    report = EvalRun(settings, dataset, corpus=SEEDS, out=out, llm=fake(2)).execute()
    assert report.meta["resumed"] == 1 and report.counts["entries"] == 3
    assert report.meta["articles"] == 2 and report.meta["corpus"].endswith("seeds")
    assert {"report.md", "results.json", "junit.xml", "results.jsonl", "run.json"} <= {p.name for p in out.iterdir()}

    again = EvalRun(settings, dataset, corpus=SEEDS, out=out, llm=fake(0)).execute()
    assert again.meta["resumed"] == 3 and again.metrics == report.metrics

    dataset.write_text(DATASET.replace("Where did Biden and Xi meet in November?", "Where did Biden and Xi meet?"))
    edited = EvalRun(settings, dataset, corpus=SEEDS, out=out, llm=fake(1)).execute()
    assert edited.meta["resumed"] == 2  # only the edited entry is asked again


def test_a_different_prompt_does_not_reuse_answers(settings: Settings, dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    EvalRun(settings, dataset, corpus=SEEDS, out=out, llm=fake(3)).execute()
    other = EvalRun(settings, dataset, corpus=SEEDS, out=out, prompt="answer@v0_bad", llm=fake(3)).execute()
    assert other.meta["resumed"] == 0 and other.meta["prompt"] == "answer@v0_bad"


def test_bad_prompt_ref_and_corpus_fail_before_any_work(settings: Settings, dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no prompt 'answer@v99'"):
        EvalRun(settings, dataset, prompt="v99", out=tmp_path / "a")
    with pytest.raises(InvalidInput, match="no such file or folder"):
        EvalRun(settings, dataset, corpus=tmp_path / "nowhere", out=tmp_path / "b")


def test_optional_judge_is_reported_as_model_judged(settings: Settings, dataset: Path, tmp_path: Path) -> None:
    verdict = AIMessage(content='{"correct": true}')
    llm = GenericFakeChatModel(messages=iter([REPLY, verdict]))
    run = EvalRun(settings, dataset, corpus=SEEDS, out=tmp_path / "j", judge=True, llm=llm)
    run.items = run.items[:1]
    result = run.execute()
    assert result.metrics["judge_accuracy"] == 1.0
    assert "model-judged" in (tmp_path / "j" / "report.md").read_text()


def test_summary_dataset_runs_through_the_summarizer(settings: Settings, tmp_path: Path) -> None:
    summary = AIMessage(content='{"sentences": [{"text": "Blinken arrived in Beijing.", "sources": [1]}]}')
    llm = GenericFakeChatModel(messages=itertools.repeat(summary))
    report = EvalRun(settings, EVALS / "seeds_summary.yaml", out=tmp_path / "s", llm=llm).execute()
    assert report.meta["task"] == "summary" and report.counts["entries"] == 3
    beijing = {f.key: f for r in report.results for f in r.facts}["minute-mirror/beijing"]
    assert beijing.stated and beijing.cited
    assert json.loads((tmp_path / "s" / "results.json").read_text())["metrics"]["quote_validity"] == 1.0


def test_cli_run_writes_a_report_and_resumes(tmp_path: Path, local_gguf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`newsdesk eval run` on real components; off-topic questions are declined before generation, so it is quick."""
    from typer.testing import CliRunner

    from service.cli import app
    from service.settings import get_settings
    from tests.conftest import make_settings

    make_settings(tmp_path / "data")  # links the shared GGUF, so nothing is re-joined
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        args = ["eval", "run", "--tag", "off-topic", "--out", str(tmp_path / "run")]
        first = CliRunner().invoke(app, args)
        assert first.exit_code == 0, first.output
        assert "Abstention" in first.output and "6/6" in first.output
        again = CliRunner().invoke(app, args)
        assert again.exit_code == 0, again.output
    finally:
        get_settings.cache_clear()
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["meta"]["resumed"] == 6 and results["counts"]["generated"] == 0
    assert (tmp_path / "run" / "junit.xml").is_file() and (tmp_path / "run" / "report.md").is_file()


def test_langchain_rag_baseline_is_scored_the_same_way_and_named_in_the_report(
    settings: Settings, dataset: Path, tmp_path: Path
) -> None:
    replies = iter([AIMessage(content="Chinese Foreign Minister Qin Gang greeted Blinken."), AIMessage(content="I don't know.")])
    out = tmp_path / "rag"
    report = EvalRun(
        settings, dataset, corpus=SEEDS, out=out, pipeline="langchain-rag", limit=2, llm=GenericFakeChatModel(messages=replies)
    ).execute()
    assert report.meta["pipeline"] == "langchain-rag" and report.meta["prompt"] == "rlm/rag-prompt"
    assert report.counts["entries"] == 2 and report.meta["k"] == 4
    greeter, hua = report.results
    assert greeter.right and greeter.facts[0].retrieved and not greeter.facts[0].cited
    assert hua.abstained and not hua.right
    m = report.metrics
    assert (m["answer_right"], m["false_abstention"]) == (0.5, 0.5)
    assert m["citation_accuracy"] == 0.0 and m["quote_holds_answer"] == 0.0 and m["quote_validity"] is None
    assert m["wrong_supported"] == 0.0  # it cites nothing, so it never presents an answer as supported
    assert "langchain-rag (baseline: no citations" in (out / "report.md").read_text()


def test_pipeline_and_limit_are_checked_before_any_work(settings: Settings, dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown pipeline 'haystack'"):
        EvalRun(settings, dataset, pipeline="haystack", out=tmp_path / "a")
    with pytest.raises(InvalidInput, match="answers questions"):
        EvalRun(settings, EVALS / "seeds_summary.yaml", pipeline="langchain-rag", out=tmp_path / "b")
    assert [i.id for i in EvalRun(settings, dataset, limit=2, out=tmp_path / "c").items] == ["greeter", "hua-tweet"]


def test_sources_may_name_corpus_files_when_the_articles_carry_urls(settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for stem, outlet, text in (
        ("vote-a", "Outlet A", "The council voted 7-2 on Tuesday to close the old library."),
        ("vote-b", "Outlet B", "Seven council members backed closing the library; two opposed it."),
    ):
        front = f"---\ntitle: Library vote\noutlet: {outlet}\nurl: https://example.com/news/{stem}-story?ref=rss\n---\n"
        (corpus / f"{stem}.md").write_text(front + text + "\n")
    path = tmp_path / "library.yaml"
    path.write_text(
        "corpus: corpus\nquestions:\n"
        "  - id: tally\n    question: What was the council vote?\n"
        "    facts: [{aliases: [7-2], sources: [{article: vote-a}]}]\n"
        "  - id: wrong-file\n    question: What was the council vote?\n"
        "    facts: [{aliases: [7-2], sources: [{article: vote-b}]}]\n"
    )
    replies = iter([AIMessage(content="The council voted 7-2.")] * 2)
    report = EvalRun(
        settings, path, out=tmp_path / "run", pipeline="langchain-rag", llm=GenericFakeChatModel(messages=replies)
    ).execute()
    assert report.meta["articles"] == 2
    [warning] = report.meta["warnings"]  # named by file stem although each article's source is its URL
    assert re.fullmatch(r"wrong-file/7-2: article \w+ \(Outlet B\) has no phrasing of '7-2'", warning), warning
    path.write_text(path.read_text().replace("article: vote-b", "article: vote-c"))
    with pytest.raises(InvalidInput, match="vote-c matches no article"):
        EvalRun(settings, path, out=tmp_path / "run", pipeline="langchain-rag", llm=fake(0)).execute()
