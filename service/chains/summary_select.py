"""Step 1: an article's key sentences, by meaning (summary@v3) or picked by the model (summary@v2).

By meaning: the lead, then the sentences nearest the article's mean meaning (MiniLM). On the
public summary eval's dev split this kept more reference facts than the 0.5B model's picks,
which were the first five sentences, and it costs no generation.

By the model: a schema whose numbers are an ``enum`` of the sentences shown can't name a
sentence that isn't there. A long article is read in parts; the parts' picks are ranked
together with the lead first (news puts the key facts first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate

from service.chains.summary_model import StepModel
from service.chains.summary_sentences import ArticleSentence, numbered

if TYPE_CHECKING:  # summary_combine imports summary_write, which imports this module
    from service.chains.summary_combine import Meaning

PART_BUDGET_CHARS = 6000  # ~1,500 tokens: most articles are read in one part, in one turn
Turn = tuple[list[BaseMessage], str]  # the select step's messages and the model's raw reply


@dataclass
class Selection:
    """Ranked picks, and the select turn of the one part read (None when the article had several)."""

    picks: list[int]
    turn: Turn | None


def pick_schema(numbers: list[int], count: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"picks": {"type": "array", "items": {"type": "integer", "enum": numbers}, "minItems": 1, "maxItems": count}},
        "required": ["picks"],
    }


def parts(sentences: list[ArticleSentence], budget: int = PART_BUDGET_CHARS) -> list[list[ArticleSentence]]:
    """Consecutive runs of sentences of at most ``budget`` characters each (one sentence at least)."""
    out: list[list[ArticleSentence]] = [[]]
    for s in sentences:
        if out[-1] and sum(len(x.text) for x in out[-1]) + len(s.text) > budget:
            out.append([])
        out[-1].append(s)
    return [p for p in out if p]


def read_picks(data: Any, allowed: set[int]) -> list[int]:
    picks = data.get("picks") if isinstance(data, dict) else None
    if not isinstance(picks, list):
        return []
    return list(dict.fromkeys(int(n) for n in picks if isinstance(n, int | float) and int(n) in allowed))


def rank(lead: int, part_picks: list[list[int]]) -> list[int]:
    """The lead sentence, then the parts' picks round-robin: each part's first choice before any second."""
    ranked = [lead]
    for depth in range(max((len(p) for p in part_picks), default=0)):
        ranked += [p[depth] for p in part_picks if depth < len(p)]
    return list(dict.fromkeys(ranked))


class Selector:
    def __init__(self, model: StepModel, template: ChatPromptTemplate) -> None:
        self.model = model
        self.template = template

    def messages(self, title: str, outlet: str, sentences: list[ArticleSentence], count: int) -> list[BaseMessage]:
        numbers = ", ".join(str(s.n) for s in sentences)
        values = {"title": title, "outlet": outlet, "sentences": numbered(sentences), "count": count, "numbers": numbers}
        return self.template.invoke(values).to_messages()

    def select(self, title: str, outlet: str, sentences: list[ArticleSentence], count: int) -> Selection:
        """Up to about ``count`` sentence numbers per part, ranked; the lead always first."""
        part_picks, turn = [], None
        chunks = parts(sentences)
        for part in chunks:
            numbers = [s.n for s in part]
            messages = self.messages(title, outlet, part, count)
            data, raw = self.model.json(messages, pick_schema(numbers, count), max_tokens=8 * count + 16)
            part_picks.append(read_picks(data, set(numbers)))
            turn = (messages, raw) if len(chunks) == 1 else None
        return Selection(rank(sentences[0].n, part_picks), turn)


def by_meaning(sentences: list[ArticleSentence], meaning: Meaning) -> Selection:
    """All the sentences ranked: the lead first, then the most central (no model call)."""
    central = [sentences[i].n for i in meaning.central([s.text for s in sentences])]
    return Selection(rank(sentences[0].n, [central]), None)
