"""The dataset format: the seed gold sets are complete and true to the articles; bad files fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.evals.corpus import Corpus
from service.evals.dataset import Dataset, DatasetError, SummaryItem, load_dataset
from tests.evals.conftest import EVALS, MM, ND


def test_seed_gold_set_covers_what_the_brief_asks(seeds_dataset: Dataset) -> None:
    items = seeds_dataset.items
    assert len(items) >= 40
    assert sum(not i.answerable for i in items) >= 8
    tags = {t for i in items for t in i.tags}
    assert {"both", "minute-mirror-only", "new-daily-only", "dates", "numbers", "people"} <= tags
    only = {tag: {s.outlet for i in items if tag in i.tags for f in i.facts for s in f.sources} for tag in tags}
    assert only["minute-mirror-only"] == {MM} and only["new-daily-only"] == {ND}


@pytest.mark.parametrize("name", ["seeds.yaml", "seeds_summary.yaml"])
def test_every_gold_fact_is_in_every_article_it_names(name: str, seed_corpus: Corpus) -> None:
    """A gold set that cites an article for a fact the article doesn't state would score true answers wrong."""
    assert seed_corpus.check(load_dataset(EVALS / name)) == []


def test_single_outlet_facts_are_absent_from_the_other_outlet(seeds_dataset: Dataset, seed_corpus: Corpus) -> None:
    """Spot checks that "only" really means only: the citation test depends on it."""
    from service.evals.match import states

    by_outlet = {a.outlet: a.text for a in seed_corpus.articles.values()}
    facts = {f"{i.id}/{f.id}": f for i in seeds_dataset.items for f in i.facts}
    for key in ("hua-tweet/hua-chunying", "g20/g20", "customary/inside-the-building"):
        assert not states(by_outlet[ND], facts[key])
    for key in ("objectives/crisis-management", "small-talk-language/english", "cold-war/cold-war"):
        assert not states(by_outlet[MM], facts[key])


def test_summary_set_loads_as_summaries() -> None:
    dataset = load_dataset(EVALS / "seeds_summary.yaml")
    assert dataset.task == "summary"
    assert all(isinstance(i, SummaryItem) for i in dataset.items)
    assert any(i.articles is None for i in dataset.items)  # type: ignore[union-attr]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


GOOD = """
questions:
  - id: ok
    question: Who greeted Blinken?
    facts: [{aliases: [Qin Gang], sources: [Minute Mirror]}]
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            GOOD + "  - id: broken\n    question: What?\n    facts: [{sources: [Minute Mirror]}]\n",
            ["questions[1] (id 'broken') > facts[0]", "needs `aliases` or a `regex`"],
        ),
        (
            GOOD + "  - id: bad-regex\n    question: What?\n    facts: [{regex: '(', sources: [X]}]\n",
            ["questions[1] (id 'bad-regex') > facts[0] > regex", "does not compile"],
        ),
        (
            GOOD + "  - id: both\n    question: What?\n    answerable: false\n    facts: [{aliases: [x], sources: [X]}]\n",
            ["questions[1] (id 'both')", "cannot have facts"],
        ),
        (
            GOOD + "  - id: nosrc\n    question: What?\n    facts: [{aliases: [x]}]\n",
            ["questions[1] (id 'nosrc')", "names no `sources`"],
        ),
        (
            GOOD + "  - id: typo\n    question: What?\n    facts: [{alias: [x], sources: [X]}]\n",
            ["questions[1] (id 'typo') > facts[0] > alias", "Extra inputs"],
        ),
        (GOOD + "  - id: ok\n    question: Again?\n    facts: [{aliases: [x], sources: [X]}]\n", ["two entries have the id 'ok'"]),
        ("questions: [\n", ["not valid YAML"]),
        ("- just a list\n", ["expected a mapping"]),
    ],
)
def test_malformed_file_gives_one_error_naming_file_and_entry(tmp_path: Path, body: str, expected: list[str]) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(str(path))
    for part in expected:
        assert part in message


def test_unknown_source_names_the_entry(tmp_path: Path, seed_corpus: Corpus) -> None:
    dataset = load_dataset(_write(tmp_path, GOOD.replace("Minute Mirror", "The Daily Planet")))
    with pytest.raises(DatasetError, match=r"ok/qin-gang: source The Daily Planet matches no article"):
        seed_corpus.check(dataset)


def test_sources_resolve_by_outlet_article_id_or_file_name(seed_corpus: Corpus) -> None:
    from service.evals.dataset import SourceRef

    mm = next(a for a in seed_corpus.articles.values() if a.outlet == MM)
    assert seed_corpus.resolve(SourceRef(outlet="minute mirror")) == {mm.id}
    assert seed_corpus.resolve(SourceRef(article=mm.id)) == {mm.id}
    assert seed_corpus.resolve(SourceRef(article="000_2d98182bc64606f4.txt")) == {mm.id}
    assert seed_corpus.resolve(SourceRef(outlet=ND, article="000_2d98182bc64606f4")) == set()


PUBLIC = EVALS / "public"


def _public(split: str) -> Dataset:
    return load_dataset(PUBLIC / f"{split}.yaml")


def test_public_splits_are_disjoint_by_story_and_meet_the_counts_asked_for() -> None:
    dev, heldout = _public("dev"), _public("heldout")
    assert len(dev.items) + len(heldout.items) >= 150
    for split in (dev, heldout):
        unanswerable = [q for q in split.items if not q.answerable]
        assert len(unanswerable) >= 10 and {"near-topic", "off-topic"} <= {t for q in unanswerable for t in q.tags}
        cross = [q for q in split.items if "cross-source" in q.tags]
        assert len(cross) >= 10 and all(len({r.article for f in q.facts for r in f.sources}) >= 2 for q in cross)

    def articles(split: Dataset) -> set[str]:
        return {str(r.article) for q in split.items for f in q.facts for r in f.sources}

    def stories(split: Dataset) -> set[str]:
        return {a.rsplit("-", 1)[0] for a in articles(split)}

    assert stories(dev).isdisjoint(stories(heldout))
    assert len(articles(dev) | articles(heldout)) >= 30
    for split in (dev, heldout):  # every question's facts come from its own story's articles
        for q in split.items:
            assert all(r.article.rsplit("-", 1)[0] == q.tags[0] for f in q.facts for r in f.sources), q.id


@pytest.mark.skipif(not (PUBLIC / "corpus").is_dir(), reason="the public corpus is built locally by evals/public/build.py")
@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_every_public_gold_fact_is_in_every_article_it_names(split: str) -> None:
    from service.evals.corpus import CorpusArticle
    from service.ingest.clean import clean
    from service.ingest.loaders import iter_files, load_file

    dataset = _public(split)
    assert dataset.corpus is not None
    files = list(iter_files([dataset.corpus]))
    corpus = Corpus(CorpusArticle(a.id, a.outlet, a.source, a.text, p) for p in files for a in [clean(load_file(p, 10**7)[0])])
    assert corpus.check(dataset) == []
