"""Does a quote actually state a claim? Checked by meaning-bearing parts, not word overlap alone.

A claim is supported by its evidence (one or more quotes) only when every one of these holds:
- every number, date word (month, weekday) and name in the claim is in the evidence (a name
  may also come from ``context``, e.g. the article's title; a first name may be missing where
  the quote uses a title or the surname alone, "Mrs. Clinton", "led by Hutchinson", and then
  doesn't count as a word the quote lacks);
- negation agrees, and the claim doesn't say one of a pair of opposites ("support"/"oppose")
  where the evidence says the other; a number is not given for another thing ("three-term");
- who did what agrees, by the dependency parse (service/citations/relations.py): no swapped
  roles, no "planned to" reported as done, no number moved from one fact to another, no verb
  moved from what the evidence says it of to what the evidence treats otherwise;
- the claim's nouns are in the evidence, and most of its content words (stemmed); a lower
  coverage is accepted only when the claim and evidence are also close in meaning (embedding
  cosine), which lets true paraphrases through;
- with a judge (the chat model, yes/no), a claim whose verb the evidence lacks is put to it
  rather than passed on coverage: "opposed a training program" for "did call for a training
  program" has every other word of the quote.
The rules and thresholds were set on the dev split of the labelled (claim, quote) pairs in
evals/support/; ``python -m benchmarks.support_checker`` reports both splits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.citations import relations
from service.text.numbers import NUMBER_WORDS
from service.text.stemming import stem_words

Embed = Callable[[list[str]], list[list[float]]]
Judge = Callable[[str, Sequence[str]], bool]  # does the passage state the claim? (e.g. the chat model, yes/no)

MIN_COVERAGE = 0.8  # content words of the claim found in the evidence, no embedding needed
MIN_COVERAGE_WITH_MEANING = 0.5  # ...or this much, when the meaning is also close
MIN_COSINE = 0.75

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"\b[A-Z](?:'[A-Z])?[a-zA-Z]+(?:[-'][A-Za-z]+)*\b")  # O'Sullivan is one name
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
# Words that negate what follows them in the evidence ("rejecting gun control measures").
_NEGATING = NEGATIONS | frozenset("reject rejects rejected rejecting oppose opposes opposed opposing against".split())
MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_NUMBER_WORDS = NUMBER_WORDS
_SCALE = frozenset("thousand million billion trillion".split())


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
    return stem_words([w for w in words(text) if w not in STOPWORDS and w not in NEGATIONS])


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


def _negation_conflict(claim: str, evidence: str) -> str | None:
    cw, ew = words(claim), words(evidence)
    if any(w in NEGATIONS for w in cw) and not any(w in NEGATIONS for w in ew):
        return "the claim negates what the quote says"
    if not any(w in _NEGATING for w in cw) and relations.has_verb(claim):  # a bare phrase asserts nothing to negate
        claim_content = content_stems(claim)
        for i, w in enumerate(ew):
            if w in _NEGATING:
                negated = content_stems(" ".join(ew[i + 1 : i + 5]))
                if any(_same_word(a, b) for a in negated for b in claim_content):
                    return "the quote negates what the claim says"
    return None


_OPPOSITES = [
    ("support", "oppos"), ("win", "lose"), ("won", "lost"), ("accept", "reject"), ("approv", "reject"),
    ("increas", "decreas"), ("rise", "fall"), ("rose", "fell"), ("rais", "cut"), ("allow", "ban"),
    ("acquit", "convict"), ("guilti", "innoc"), ("pass", "fail"), ("confirm", "deni"), ("higher", "lower"),
    ("more", "less"), ("before", "after"), ("begin", "end"), ("open", "close"), ("legal", "illeg"), ("up", "down"),
]  # fmt: skip


def _opposite_conflict(claim: str, evidence: str) -> str | None:
    """The claim says one of a pair of opposites where the evidence says the other ("support" vs "oppose")."""
    cs, es = set(content_stems(claim)) | set(words(claim)), set(content_stems(evidence)) | set(words(evidence))
    for a, b in _OPPOSITES:
        for x, y in ((a, b), (b, a)):
            if x in cs and y in es and x not in es and y not in cs:
                return f"the quote says {y!r}, not {x!r}"
    return None


def _same_word(a: str, b: str) -> bool:
    """Stems of one word, or of one family ("treat", "treatment")."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


_HONORIFICS = frozenset("mr mrs ms miss dr sen sens rep reps gov president senator representative speaker judge".split())


def _name_check(claim: str, evidence: str, context: str) -> tuple[list[str], list[str]]:
    """(names in the claim that neither the quote nor the context has, first names accepted for their surname).

    A first name may be missing when its surname is there after a title or at the start of a
    name ("Hillary Clinton" for "Mrs. Clinton"), not after another name ("North Dakota" for
    "South Dakota").
    """
    found = set(words(evidence)) | set(words(context))
    evidence_names = names(evidence)
    listed = names(claim)
    if listed and not relations.starts_with_name(claim):  # "Filing false tax returns": capitalised, not a name
        listed = listed[1:] if words(claim)[:1] == listed[:1] else listed
    missing, first = [], []
    for i, name in enumerate(listed):
        parts = [p for p in name.split("-") if p]
        if all(p in found or p in _NUMBER_WORDS or (p.endswith("s") and p[:-1] in found) for p in parts):
            continue  # "the Clintons" for "Hillary and Bill Clinton" too
        following = listed[i + 1] if i + 1 < len(listed) else None
        if (
            following
            and following in found
            and re.search(rf"\b{re.escape(name)}\W+{re.escape(following)}\b", normalise(claim), re.I)
            and not _preceded_by_other_name(following, evidence, evidence_names, listed)
        ):
            first.append(name)
            continue
        missing.append(name)
    return missing, first


def _preceded_by_other_name(surname: str, evidence: str, evidence_names: list[str], claim_names: list[str]) -> bool:
    ws = [w.lower().removesuffix("'s") for w in _WORD.findall(normalise(evidence))]
    capitalised = set(evidence_names)
    return any(
        i > 0 and ws[i - 1] in capitalised and ws[i - 1] not in _HONORIFICS and ws[i - 1] not in claim_names
        for i, w in enumerate(ws)
        if w == surname
    )


def _unit_conflict(claim: str, evidence: str) -> str | None:
    """A number the quote gives for something else ("three-term" where the quote has "five-term")."""

    def pairs(ws: list[str]) -> set[tuple[str, str]]:
        return {(a, b) for a, b in zip(ws, ws[1:], strict=False) if a[0].isdigit() and b not in STOPWORDS}

    claim_pairs, evidence_pairs = pairs(words(claim)), pairs(words(evidence))
    for number, unit in claim_pairs - evidence_pairs:
        if any(u == unit and n != number for n, u in evidence_pairs):
            return f"the quote gives another number of {unit!r}"
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

    def __init__(self, embed: Embed | None = None, judge: Judge | None = None) -> None:
        """``judge`` decides the claims the rules reject only for their wording (nouns, verbs or most
        words not found); a conflict of names, numbers, dates, negation or roles is never put to it."""
        self.embed = embed
        self.judge = judge

    def check(self, claim: str, quotes: Sequence[str], context: str = "") -> Verdict:
        """Whether ``quotes`` state ``claim``; ``context`` (e.g. the article's title) may supply names only."""
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
        context_words = set(words(context))
        missing_names, first_names = _name_check(claim, evidence, context)
        if missing_names:
            return Verdict(False, coverage, f"{missing_names[0]!r} is not in the quote")
        if first_names:  # "Asa Hutchinson" for "led by Hutchinson": the first name is not a word the quote lacks
            found |= set(stem_words(first_names))
            coverage = sum(s in found for s in claim_stems) / len(claim_stems)
        if context and (from_title := _name_check(claim, evidence, "")[0]):
            # The title may name whom the quote calls "he", not stand in for someone the quote names.
            others = relations.named_participants(evidence) - {relations.stem(w) for w in cw}
            if others:
                return Verdict(False, coverage, f"{from_title[0]!r} is only in the title, and the quote is about someone else")
        reason = (
            _negation_conflict(claim, evidence)
            or _opposite_conflict(claim, evidence)
            or _unit_conflict(claim, evidence)
            or relations.conflict(claim, evidence)
        )
        if reason:
            return Verdict(False, coverage, reason)
        evidence_stems = relations.evidence_stems(evidence) | context_words
        missing_nouns = [n for n in relations.content_nouns(claim) if not any(_same_word(n, e) for e in evidence_stems)]
        if missing_nouns:
            reason = f"the quote doesn't mention {sorted(missing_nouns)[0]!r}"
        # A verb the quote lacks may be a synonym or an opposite ("opposed" for "called for"): the
        # rules can't tell which, so the judge decides; without one, coverage and meaning decide.
        elif self.judge is not None and (
            missing_verbs := [v for v in relations.content_verbs(claim) if not any(_same_word(v, e) for e in evidence_stems)]
        ):
            reason = f"the quote doesn't say {sorted(missing_verbs)[0]!r}"
        elif coverage >= MIN_COVERAGE:
            return Verdict(True, coverage)
        elif coverage >= MIN_COVERAGE_WITH_MEANING and self.embed is not None and self._close_in_meaning(claim, evidence):
            return Verdict(True, coverage)
        else:
            reason = "the quote does not say most of it"
        if self.judge is not None and self.judge(claim, quotes):
            return Verdict(True, coverage, "judged by the model")
        return Verdict(False, coverage, reason)

    def _close_in_meaning(self, claim: str, evidence: str) -> bool:
        assert self.embed is not None
        claim_vec, evidence_vec = self.embed([claim, evidence])
        return cosine(claim_vec, evidence_vec) >= MIN_COSINE
