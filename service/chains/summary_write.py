"""Step 2: a short summary written from the selected sentences only, every sentence checked.

A written sentence is kept when it is whole (not cut at a quotation mark or a token limit),
keeps the speaker of any quote or opinion, states no number its sentences don't, and passes
the citation support check against the sentences it cites (together, for a sentence that
paraphrases several). Otherwise the first sentence it cites stands in for it, quoted whole.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage

from service.chains.summary_model import StepModel
from service.chains.summary_select import Selector, Turn
from service.chains.summary_sentences import ArticleSentence, as_source
from service.citations.verify import Draft, Source, verify

# Lower-case verbs, case-sensitive: "the United States" is not "states".
_REPORTING = re.compile(
    r"\b(?:[Aa]ccording to|said|says|say|told|tells|added|adds|stated|states|wrote|writes|tweeted|announced|"
    r"warned|warns|argued|argues|claimed|claims|insisted|explained|described|believes?|"
    r"thinks?|hopes?|expressed|urged|accused|denied|admitted|noted|suggested|predicted)\b",
)
_OPINION = re.compile(
    r"\b(?:warned|warns|argued|argues|claimed|claims|insisted|believes?|thinks?|hopes?|hoped|expressed|urged|"
    r"accused|denied|admitted|suggested|predicted|criticised|criticized|praised)\b",
    re.IGNORECASE,
)
_QUOTE_CHARS = '"“”'
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WHOLE_END = re.compile(r"[.!?][\"'”’)\]]*$")


@dataclass
class Written:
    """A summary sentence and the article sentences it rests on; ``extracted`` when quoted, not written."""

    text: str
    cited: list[ArticleSentence]
    extracted: bool = False
    passed: bool = True  # a model sentence passed the checks (quoted when it was a near copy)


def is_whole(text: str) -> bool:
    """Starts like a sentence, ends with its punctuation, and closes every quotation it opens."""
    t = text.strip()
    if len(t.split()) < 4 or not _WHOLE_END.search(t) or not (t[0].isupper() or t[0].isdigit() or t[0] in "“\"'‘"):
        return False
    straight_ok = t.count('"') % 2 == 0
    return straight_ok and t.count("“") == t.count("”") and t.count("(") == t.count(")")


def attributes(text: str) -> bool:
    """Whether the sentence says who said or thinks something (a reporting verb)."""
    return bool(_REPORTING.search(text))


def keeps_speaker(text: str, cited: list[ArticleSentence]) -> bool:
    """A sentence quoting someone, or restating a quote or opinion a cited sentence attributes, says
    who said it (a fact someone reported may be stated as the fact)."""
    quoting = any(c in text for c in _QUOTE_CHARS)
    opinion = any(_OPINION.search(s.text) or any(c in s.text for c in _QUOTE_CHARS) for s in cited)
    return attributes(text) or not (quoting or opinion)


def quotable(sentence: ArticleSentence) -> bool:
    """Whether the sentence can stand alone in a summary: a quote in it comes with its speaker."""
    return attributes(sentence.text) or not any(c in sentence.text for c in _QUOTE_CHARS)


def numbers_of(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def numbers_supported(text: str, cited: list[ArticleSentence]) -> bool:
    return numbers_of(text) <= set().union(*(numbers_of(s.text) for s in cited))


def supporting(text: str, cited: list[ArticleSentence], sources: list[Source]) -> list[ArticleSentence]:
    """The cited sentences the support check quotes for ``text`` (together, for a sentence that
    paraphrases several); none when they don't state it."""
    verdict = verify([Draft(text, [s.n for s in sources])], sources)
    if verdict.sentences[0].unsupported:
        return []
    return [s for s in cited if any(s.start <= c.start < s.end for c in verdict.citations)]


def near_copy(text: str, sentence: ArticleSentence) -> bool:
    """Mostly the sentence's own words at most of its length: quoting it whole beats a rough copy."""
    words, theirs = _words(text), _words(sentence.text)
    return bool(words) and len(words & theirs) >= 0.8 * len(words) and len(text) >= 0.7 * len(sentence.text)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def write_schema(numbers: list[int], count: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "sentences": {
                "type": "array",
                "minItems": 1,
                "maxItems": count,
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "sources": {
                            "type": "array",
                            "items": {"type": "integer", "enum": numbers},
                            "minItems": 1,
                            "maxItems": 3,
                        },
                    },
                    "required": ["text", "sources"],
                },
            }
        },
        "required": ["sentences"],
    }


def read_drafts(data: Any, by_n: dict[int, ArticleSentence]) -> list[tuple[str, list[ArticleSentence]]]:
    items = data.get("sentences") if isinstance(data, dict) else None
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        numbers = item.get("sources") if isinstance(item.get("sources"), list) else []
        cited = [by_n[int(n)] for n in dict.fromkeys(numbers) if isinstance(n, int | float) and int(n) in by_n]
        out.append((item["text"].strip(), cited))
    return out


class Writer:
    """Asks for the summary as the next turn of the select conversation, or, when the prompt has
    no ``write`` turn (the sentences were chosen by meaning), in the prompt's one user turn."""

    def __init__(self, model: StepModel, selector: Selector, instruction: str | None) -> None:
        self.model = model
        self.selector = selector
        self.instruction = instruction

    def write(
        self, article_id: str, title: str, outlet: str, chosen: list[ArticleSentence], count: int, turn: Turn | None
    ) -> list[Written]:
        """At most ``count`` checked sentences written from ``chosen`` (given in article order).

        ``turn`` is the select step's conversation when it saw the whole article; its context is
        reused. Otherwise the conversation is rebuilt around the chosen sentences alone.
        """
        by_n = {s.n: s for s in chosen}
        if self.instruction is None:
            messages = self.selector.messages(title, outlet, chosen, count)
        else:
            if turn is None:
                turn = (self.selector.messages(title, outlet, chosen, count), json.dumps({"picks": list(by_n)}))
            asked, picked = turn
            follow = self.instruction.format(count=count, numbers=", ".join(map(str, by_n)))
            messages = [*asked, AIMessage(content=picked), HumanMessage(content=follow)]
        schema = write_schema(list(by_n), count)
        keep = self.instruction is not None  # the write turn continues the select turn's context
        data, _ = self.model.json(messages, schema, max_tokens=70 * count + 30, keep_context=keep)
        out: list[Written] = []
        for text, cited in read_drafts(data, by_n):
            if not cited:
                continue
            sources = [as_source(s, article_id, title, outlet) for s in cited]
            checked = is_whole(text) and keeps_speaker(text, cited) and numbers_supported(text, cited)
            quoted = supporting(text, cited, sources) if checked else []
            if quoted and not near_copy(text, quoted[0]):
                out.append(Written(text, quoted))
            elif quoted:
                out.append(Written(quoted[0].text, quoted[:1], extracted=True))
            elif quotable(cited[0]):
                out.append(Written(cited[0].text, cited[:1], extracted=True, passed=False))
        return out
