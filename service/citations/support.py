"""Does a quote actually state a claim? Checked by meaning-bearing parts, not word overlap alone.

A claim is supported by its evidence (one or more quotes) only when every one of these holds:
- every number, date word (month, weekday) and name in the claim is in the evidence;
- negation agrees: the claim doesn't negate what the evidence asserts, nor assert what the
  evidence negates;
- who did what agrees: two names in the claim appear in the evidence in the same order, or
  reversed exactly when one side is passive ("X greeted Y" vs "Y was greeted by X");
- the claim's content words are covered by the evidence (stemmed), enough of them; a lower
  coverage is accepted only when the claim and evidence are also close in meaning (embedding
  cosine), which lets true paraphrases through.
The thresholds are set on the labelled (claim, quote) pairs in evals/support/ (dev split);
benchmarks/support_checker.py reports precision and recall on both splits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

Embed = Callable[[list[str]], list[list[float]]]

MIN_COVERAGE = 0.8  # content words of the claim found in the evidence, no embedding needed
MIN_COVERAGE_WITH_MEANING = 0.5  # ...or this much, when the meaning is also close
MIN_COSINE = 0.75

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]+(?:[-'][A-Za-z]+)*\b")
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he her
    here hers herself him himself his how i if in into is it its itself just let me more most my myself of off on once
    only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves s said says say told according reported
    reports report per cent mr mrs ms dr""".split()
)
NEGATIONS = frozenset("not no never none nobody nothing neither nor without n't cannot denied denies deny refused refuses".split())
MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "dozen": "12"})
_SCALE = frozenset("thousand million billion trillion".split())


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)  # 1,000 -> 1000
    text = text.replace("%", " percent ")
    return re.sub(r"n't\b", " not", text)


def words(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(normalise(text)):
        w = w.lower()
        if w.endswith("'s"):
            w = w[:-2]
        out.append(_NUMBER_WORDS.get(w, w))
    return out


def content_stems(text: str) -> list[str]:
    return _stemmer().stemWords([w for w in words(text) if w not in STOPWORDS and w not in NEGATIONS])


def _numbers(ws: Sequence[str]) -> set[str]:
    return {w.rstrip("0").rstrip(".") if "." in w else w for w in ws if w[0].isdigit()} | {w for w in ws if w in _SCALE}


def _dates(ws: Sequence[str]) -> set[str]:
    return {w[:3] for w in ws if w in MONTHS or w in WEEKDAYS}


def names(text: str) -> list[str]:
    """Capitalised words that are not sentence-initial function words, lower-cased, in order."""
    out = []
    for m in _CAPITALISED.finditer(normalise(text)):
        w = m.group(0).lower()
        if w.endswith("'s"):
            w = w[:-2]
        if w not in STOPWORDS and w not in MONTHS and w not in WEEKDAYS and w not in NEGATIONS:
            out.append(w)
    return out


def _passive_between(ws: list[str], a: int, b: int) -> bool:
    """Whether the later of two words is the agent of a passive verb after the earlier ("A was seen by B")."""
    lo, hi = sorted((a, b))
    between = ws[lo:hi]
    if "by" not in between:
        return False
    by = lo + len(between) - 1 - between[::-1].index("by")
    return hi - by <= 5 and any(w in ("was", "were", "is", "are", "been", "be", "being") for w in ws[lo:by])


def _order_conflict(claim: str, evidence: str) -> str | None:
    """Two names in the claim whose roles the evidence reverses (subject/object swapped)."""
    cw, ew = words(claim), words(evidence)
    claim_names = [n for n in dict.fromkeys(names(claim)) if n in ew]
    for i, a in enumerate(claim_names):
        for b in claim_names[i + 1 :]:
            ca, cb = cw.index(a), cw.index(b)
            ea, eb = ew.index(a), ew.index(b)
            if abs(ca - cb) < 2 or abs(ea - eb) < 2:
                continue  # parts of one name ("Qin Gang")
            same_order = (ca < cb) == (ea < eb)
            same_voice = _passive_between(cw, ca, cb) == _passive_between(ew, ea, eb)
            if same_order != same_voice:
                return f"the quote has {a!r} and {b!r} in other roles"
    return None


def _negation_conflict(claim: str, evidence: str) -> str | None:
    cw, ew = words(claim), words(evidence)
    claim_neg = [i for i, w in enumerate(cw) if w in NEGATIONS]
    ev_neg = [i for i, w in enumerate(ew) if w in NEGATIONS]
    if claim_neg and not ev_neg:
        return "the claim negates what the quote says"
    if ev_neg and not claim_neg:
        claim_content = set(content_stems(claim))
        for i in ev_neg:
            negated = set(content_stems(" ".join(ew[i + 1 : i + 4])))
            if negated & claim_content:
                return "the quote negates what the claim says"
    return None


@dataclass(frozen=True)
class Verdict:
    supported: bool
    coverage: float
    reason: str = ""


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class SupportChecker:
    """``check(claim, quotes)``: whether the quotes together state the claim, and if not, why."""

    def __init__(self, embed: Embed | None = None) -> None:
        self.embed = embed

    def check(self, claim: str, quotes: Sequence[str]) -> Verdict:
        evidence = " ".join(quotes)
        claim_stems = content_stems(claim)
        if not claim_stems:
            return Verdict(False, 0.0, "the claim says nothing checkable")
        cw, ew = words(claim), words(evidence)
        found = set(content_stems(evidence))
        coverage = sum(s in found for s in claim_stems) / len(claim_stems)
        missing_numbers = _numbers(cw) - _numbers(ew)
        if missing_numbers:
            return Verdict(False, coverage, f"number {sorted(missing_numbers)[0]} is not in the quote")
        missing_dates = _dates(cw) - _dates(ew)
        if missing_dates:
            return Verdict(False, coverage, f"date {sorted(missing_dates)[0]!r} is not in the quote")
        evidence_words = set(ew)
        missing_names = [n for n in names(claim) if n not in evidence_words and _stemmer().stemWord(n) not in found]
        if missing_names:
            return Verdict(False, coverage, f"{missing_names[0]!r} is not in the quote")
        reason = _negation_conflict(claim, evidence) or _order_conflict(claim, evidence)
        if reason:
            return Verdict(False, coverage, reason)
        if coverage >= MIN_COVERAGE:
            return Verdict(True, coverage)
        if coverage >= MIN_COVERAGE_WITH_MEANING and self.embed is not None:
            claim_vec, evidence_vec = self.embed([claim, evidence])
            if cosine(claim_vec, evidence_vec) >= MIN_COSINE:
                return Verdict(True, coverage)
        return Verdict(False, coverage, "the quote does not say most of it")


def new_information(question: str, claim: str) -> set[str]:
    """Content of the claim that the question does not already contain: what it answers with."""
    return set(content_stems(claim)) - set(content_stems(question))
