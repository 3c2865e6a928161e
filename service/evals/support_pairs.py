"""Labelled (claim, quote, supported?) pairs, and the score of a support checker on them.

The pairs (``evals/support/pairs.yaml``) were written and judged by hand on the public eval
articles: true claims (verbatim, paraphrased, or needing both sentences of a two-sentence quote)
and false ones (subject/object swaps, wrong numbers, dates, names and places, negations, additions
the quote doesn't state, facts from another article of the same story). A checker is any
``check(claim, quotes) -> bool`` that says whether the quotes state the claim.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from service.errors import InvalidInput
from service.settings import RESOURCES_DIR

DEFAULT_PAIRS = RESOURCES_DIR / "evals" / "support" / "pairs.yaml"
Kind = Literal[
    "verbatim",
    "paraphrase",
    "adjacent",
    "swap",
    "wrong_number",
    "wrong_date",
    "wrong_name",
    "wrong_place",
    "negation",
    "unsupported_addition",
    "other_article",
]
SUPPORTED_KINDS = frozenset({"verbatim", "paraphrase", "adjacent"})
Checker = Callable[[str, list[str]], bool]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Claim(_Strict):
    claim: str = Field(min_length=1)
    supported: bool
    kind: Kind

    @model_validator(mode="after")
    def _label_matches_kind(self) -> _Claim:
        if self.supported != (self.kind in SUPPORTED_KINDS):
            raise ValueError(f"kind {self.kind!r} is a {'true' if self.kind in SUPPORTED_KINDS else 'false'} kind")
        return self


class _Group(_Strict):
    """One quote of one article and the claims judged against it."""

    article: str = Field(min_length=1, description="Corpus file stem, e.g. farenthold-fox.")
    split: Literal["dev", "heldout"]
    quote: str = Field(min_length=1)
    claims: list[_Claim] = Field(min_length=1)


@dataclass(frozen=True)
class SupportPair:
    claim: str
    quote: str
    supported: bool
    kind: str
    article: str
    split: str


def load_pairs(path: Path = DEFAULT_PAIRS, split: str | None = None) -> list[SupportPair]:
    """Every pair of the file (or of one split), validated; any problem raises one :class:`InvalidInput`."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: cannot read the support pairs ({exc})") from None
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(f"{path}: expected a list of {{article, split, quote, claims}} groups")
    groups, problems = [], []
    for n, group in enumerate(raw):
        try:
            groups.append(_Group.model_validate(group))
        except ValidationError as exc:
            where = f"[{n}] ({group.get('article')})" if isinstance(group, dict) else f"[{n}]"
            problems += [
                f"{where} {'.'.join(map(str, e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}" for e in exc.errors()
            ]
    if problems:
        raise InvalidInput(f"{path}: {len(problems)} problem(s): " + "; ".join(problems))
    return [
        SupportPair(c.claim, g.quote, c.supported, c.kind, g.article, g.split)
        for g in groups
        for c in g.claims
        if split is None or g.split == split
    ]


@dataclass(frozen=True)
class KindScore:
    pairs: int
    right: int

    @property
    def accuracy(self) -> float:
        return self.right / self.pairs


@dataclass(frozen=True)
class SupportScore:
    """Precision: of the pairs called supported, the share truly supported. Recall: of the truly
    supported pairs, the share called supported. Per kind: the share judged right."""

    pairs: int
    true_positive: int
    false_positive: int
    true_negative: int
    false_negative: int
    per_kind: dict[str, KindScore]

    @property
    def precision(self) -> float | None:
        called = self.true_positive + self.false_positive
        return self.true_positive / called if called else None

    @property
    def recall(self) -> float | None:
        supported = self.true_positive + self.false_negative
        return self.true_positive / supported if supported else None

    @property
    def accuracy(self) -> float:
        return (self.true_positive + self.true_negative) / self.pairs

    def to_dict(self) -> dict[str, object]:
        return {
            "pairs": self.pairs,
            "precision": self.precision,
            "recall": self.recall,
            "accuracy": self.accuracy,
            "per_kind": {k: {**asdict(v), "accuracy": v.accuracy} for k, v in self.per_kind.items()},
        }


def score_checker(check: Checker, pairs: Iterable[SupportPair]) -> SupportScore:
    """Run ``check(claim, [quote])`` on every pair and count its verdicts against the labels."""
    counts = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
    kinds: dict[str, list[bool]] = {}
    for pair in pairs:
        said = bool(check(pair.claim, [pair.quote]))
        counts[("t" if said == pair.supported else "f") + ("p" if said else "n")] += 1
        kinds.setdefault(pair.kind, []).append(said == pair.supported)
    total = sum(counts.values())
    if not total:
        raise InvalidInput("no support pairs to score")
    order = sorted(kinds, key=lambda kind: (kind not in SUPPORTED_KINDS, kind))
    per_kind = {k: KindScore(len(kinds[k]), sum(kinds[k])) for k in order}
    return SupportScore(total, counts["tp"], counts["fp"], counts["tn"], counts["fn"], per_kind)


def render_markdown(score: SupportScore, title: str = "Support checker") -> str:
    """A table for the benchmark results: the headline figures, then accuracy per kind of pair."""

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    lines = [
        f"**{title}** on {score.pairs} labelled pairs: precision {pct(score.precision)} "
        f"({score.true_positive}/{score.true_positive + score.false_positive} called supported are), "
        f"recall {pct(score.recall)}, accuracy {pct(score.accuracy)}",
        "",
        "| Kind | Label | Pairs | Judged right |",
        "|---|---|---:|---:|",
    ]
    for kind, ks in score.per_kind.items():
        label = "supported" if kind in SUPPORTED_KINDS else "not supported"
        lines.append(f"| {kind} | {label} | {ks.pairs} | {ks.right} ({pct(ks.accuracy)}) |")
    return "\n".join(lines) + "\n"


def misquoted(pairs: Iterable[SupportPair], texts: dict[str, str]) -> list[str]:
    """Pairs whose quote is not verbatim in its article (``texts``: article file stem -> text)."""
    return sorted({f"{p.article}: {p.quote[:60]}..." for p in pairs if p.article not in texts or p.quote not in texts[p.article]})
