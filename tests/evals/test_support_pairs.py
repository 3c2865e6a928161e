"""The labelled support pairs and the checker scorer: what a checker's precision and recall rest on."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import get_args

import pytest

from service.errors import InvalidInput
from service.evals.support_pairs import (
    SUPPORTED_KINDS,
    Kind,
    SupportPair,
    load_pairs,
    misquoted,
    render_markdown,
    score_checker,
)
from service.ingest.clean import clean
from service.ingest.loaders import iter_files, load_file
from tests.evals.conftest import EVALS

CORPUS = EVALS / "public" / "corpus"


@pytest.fixture(scope="module")
def pairs() -> list[SupportPair]:
    return load_pairs()


def test_pairs_are_many_balanced_and_cover_every_kind_in_both_splits(pairs: list[SupportPair]) -> None:
    assert len(pairs) >= 200
    assert 0.4 <= sum(p.supported for p in pairs) / len(pairs) <= 0.6
    for split in ("dev", "heldout"):
        kinds = Counter(p.kind for p in pairs if p.split == split)
        assert set(kinds) == set(get_args(Kind)), f"{split} lacks {set(get_args(Kind)) - set(kinds)}"
    assert {p.split for p in load_pairs(split="heldout")} == {"heldout"}
    assert all(len(p.claim) < 160 for p in pairs)  # short answer sentences, not paragraphs


def test_a_label_that_contradicts_its_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pairs.yaml"
    path.write_text(
        "- article: a-fox\n  split: dev\n  quote: Qin Gang greeted Blinken.\n"
        "  claims:\n  - {claim: Blinken greeted Qin Gang., supported: true, kind: swap}\n"
    )
    with pytest.raises(InvalidInput, match=r"pairs.yaml.*'swap' is a false kind"):
        load_pairs(path)
    path.write_text("claims: []\n")
    with pytest.raises(InvalidInput, match="expected a list"):
        load_pairs(path)


def test_scores_of_an_oracle_and_of_a_checker_that_accepts_everything(pairs: list[SupportPair]) -> None:
    truth = {(p.claim, p.quote): p.supported for p in pairs}
    oracle = score_checker(lambda claim, quotes: truth[(claim, quotes[0])], pairs)
    assert (oracle.precision, oracle.recall, oracle.accuracy) == (1.0, 1.0, 1.0)

    yes = score_checker(lambda claim, quotes: True, pairs)
    share = sum(p.supported for p in pairs) / len(pairs)
    assert yes.precision == pytest.approx(share) and yes.recall == 1.0
    assert all(ks.accuracy == (1.0 if kind in SUPPORTED_KINDS else 0.0) for kind, ks in yes.per_kind.items())
    assert list(yes.per_kind)[:3] == sorted(SUPPORTED_KINDS)  # true kinds first in reports

    no = score_checker(lambda claim, quotes: False, pairs)
    assert no.precision is None and no.recall == 0.0
    assert no.to_dict()["precision"] is None


def _word_overlap(claim: str, quotes: list[str]) -> bool:
    """The verifier issue 12 describes: supported when half the claim's words appear in the quote."""
    words = set(re.findall(r"\w+", claim.lower()))
    return any(len(words & set(re.findall(r"\w+", q.lower()))) >= len(words) / 2 for q in quotes)


def test_word_overlap_passes_the_swaps_and_wrong_numbers_the_set_is_built_to_catch(pairs: list[SupportPair]) -> None:
    score = score_checker(_word_overlap, pairs)
    assert score.per_kind["swap"].accuracy < 0.2
    assert score.per_kind["wrong_number"].accuracy < 0.2
    assert score.precision is not None and score.precision < 0.7
    table = render_markdown(score, "word overlap")
    assert "**word overlap** on" in table and "| swap | not supported |" in table


def test_scoring_nothing_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="no support pairs"):
        score_checker(lambda claim, quotes: True, [])


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the public corpus is built locally by evals/public/build.py")
def test_every_quote_is_verbatim_in_its_article_as_stored(pairs: list[SupportPair]) -> None:
    texts = {path.stem: clean(load_file(path, 10**7)[0]).text for path in iter_files([CORPUS])}
    assert misquoted(pairs, texts) == []
    assert misquoted([SupportPair("x", "Not in any article.", True, "verbatim", "hr1-fox", "heldout")], texts)
