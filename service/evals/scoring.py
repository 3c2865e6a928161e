"""Deterministic scores for one output against its gold entry, and the run's metrics.

A fact is *stated* when a sentence of the output contains one of its phrasings; it is *cited*
when one of that sentence's citations points to an article among the fact's sources; it is
*quoted* when a citation quote of the output itself contains one of its phrasings (the reader can
see the answer in the evidence); it is *retrieved* when a retrieved chunk from one of those
articles contains it. A quote is *valid* when it is exactly the cited article's text between the
citation's offsets. An answer is *right* when it states every fact of an answerable question,
cited or not (so an uncited baseline is scored on the same footing), and *presented as supported*
when it carries citations and no sentence is flagged unsupported.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from service.evals.corpus import Corpus
from service.evals.dataset import Fact, Item
from service.evals.match import normalise, states_normalised


@dataclass(frozen=True)
class Metric:
    label: str
    description: str
    higher_is_better: bool = True
    model_judged: bool = False
    fmt: str = "{:.1%}"


METRICS: dict[str, Metric] = {
    "fact_recall": Metric("Fact recall", "gold facts stated in the output"),
    "citation_accuracy": Metric("Citation accuracy", "stated facts cited to an article that states them"),
    "quote_validity": Metric("Quote validity", "citation quotes found verbatim at their offsets"),
    "answer_right": Metric("Answer right", "answerable questions whose answer states every gold fact (cited or not)"),
    "false_abstention": Metric("False abstention", "answerable questions declined", higher_is_better=False),
    "abstention": Metric("Abstention", "unanswerable questions declined, with no citation"),
    "answer_rate": Metric("Answer rate", "answerable questions not refused"),
    "quote_holds_answer": Metric("Cited quote holds the answer", "right answers whose citation quotes contain every gold fact"),
    "wrong_supported": Metric(
        "Wrong answers presented as supported",
        "answered questions answered wrongly with citations and no sentence flagged unsupported",
        higher_is_better=False,
    ),
    "retrieval_recall": Metric("Retrieval recall@k", "gold facts present in the retrieved chunks of their sources"),
    "pass_rate": Metric("Pass rate", "entries with every fact stated and cited, valid quotes, right abstention"),
    "judge_accuracy": Metric("Judge accuracy (model-judged)", "answers the LLM judge calls correct", model_judged=True),
    "latency_mean_s": Metric("Latency mean", "seconds per entry", higher_is_better=False, fmt="{:.1f} s"),
    "latency_p50_s": Metric("Latency p50", "seconds per entry", higher_is_better=False, fmt="{:.1f} s"),
    "latency_p95_s": Metric("Latency p95", "seconds per entry", higher_is_better=False, fmt="{:.1f} s"),
    "tokens_mean": Metric("Tokens mean", "prompt + completion tokens per entry", higher_is_better=False, fmt="{:.0f}"),
}


# Ratio metrics as (numerator, denominator) count names.
FRACTIONS: dict[str, tuple[str, str]] = {
    "fact_recall": ("facts_stated", "facts"),
    "citation_accuracy": ("facts_cited", "facts_stated"),
    "quote_validity": ("quotes_valid", "citations"),
    "answer_right": ("right", "answerable"),
    "false_abstention": ("falsely_abstained", "answerable"),
    "abstention": ("abstained_ok", "unanswerable"),
    "answer_rate": ("answered", "answerable"),
    "quote_holds_answer": ("right_quoted", "right"),
    "wrong_supported": ("wrong_supported", "responded"),
    "retrieval_recall": ("facts_retrieved", "facts_retrievable"),
    "pass_rate": ("passed", "entries"),
    "judge_accuracy": ("judged_correct", "judged"),
}


def format_metric(name: str, value: float | None) -> str:
    return "n/a" if value is None else METRICS[name].fmt.format(value)


@dataclass
class Claim:
    text: str
    citations: list[dict[str, Any]]
    unsupported: bool = False


@dataclass
class Output:
    """An answer or a summary, reduced to what scoring reads (both come as ``to_dict()`` JSON)."""

    text: str
    abstained: bool
    claims: list[Claim]
    citations: list[dict[str, Any]]
    sources: list[dict[str, Any]] | None
    usage: dict[str, int]
    timings: dict[str, float]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Output:
        by_n = {c["n"]: c for c in data.get("citations", [])}
        parts = data.get("sentences") if "sentences" in data else data.get("bullets", [])
        claims = [
            Claim(p["text"], [by_n[n] for n in p.get("citations", []) if n in by_n], bool(p.get("unsupported")))
            for p in parts or []
        ]
        return cls(
            text=str(data.get("text", "")),
            abstained=bool(data.get("abstained", not claims)),
            claims=claims,
            citations=list(by_n.values()),
            sources=data.get("sources"),
            usage=dict(data.get("usage") or {}),
            timings=dict(data.get("timings") or {}),
        )


@dataclass
class FactResult:
    key: str
    label: str
    stated: bool = False
    cited: bool = False
    retrieved: bool | None = None
    quoted: bool = False

    @property
    def ok(self) -> bool:
        return self.stated and self.cited


@dataclass
class ItemResult:
    id: str
    prompt: str
    tags: list[str]
    answerable: bool
    text: str = ""
    abstained: bool = False
    abstention_ok: bool = False
    facts: list[FactResult] = field(default_factory=list)
    citations: int = 0
    flagged: int = 0  # sentences the verifier flagged unsupported
    invalid_quotes: list[str] = field(default_factory=list)
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None
    judge: bool | None = None

    @property
    def generated(self) -> bool:
        """Whether the model was called (answers the coverage guard declines skip generation)."""
        return self.completion_tokens > 0

    @property
    def passed(self) -> bool:
        return self.error is None and self.abstention_ok and not self.invalid_quotes and all(f.ok for f in self.facts)

    @property
    def responded(self) -> bool:
        """Gave an answer rather than declining (or failing)."""
        return self.error is None and not self.abstained

    @property
    def right(self) -> bool:
        """An answerable question answered with every gold fact stated, cited or not."""
        return self.answerable and self.responded and all(f.stated for f in self.facts)

    @property
    def presented_as_supported(self) -> bool:
        return self.responded and self.citations > 0 and self.flagged == 0

    def problems(self) -> list[str]:
        """What went wrong, in words, for reports and JUnit failures."""
        if self.error:
            return [f"error: {self.error}"]
        out = []
        if not self.abstention_ok:
            out.append("answered an unanswerable question" if not self.answerable else "refused an answerable question")
        out += [f"missing fact: {f.label}" for f in self.facts if not f.stated and not self.abstained]
        out += [f"fact not cited to its source: {f.label}" for f in self.facts if f.stated and not f.cited]
        out += [f"quote not verbatim: {q}" for q in self.invalid_quotes]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "generated": self.generated, "passed": self.passed, "right": self.right}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemResult:
        fields = {k: v for k, v in data.items() if k not in ("generated", "passed", "right", "facts")}
        return cls(**fields, facts=[FactResult(**f) for f in data.get("facts", [])])


def _stating_claims(output: Output, fact: Fact) -> list[Claim]:
    """The sentences that state the fact; all of them when it only reads across sentence breaks."""
    stating = [c for c in output.claims if states_normalised(normalise(c.text), fact)]
    if stating:
        return stating
    whole = " ".join(c.text for c in output.claims) if output.claims else output.text
    if states_normalised(normalise(whole), fact):
        return output.claims or [Claim(output.text, output.citations)]
    return []


def score_fact(key: str, fact: Fact, output: Output, corpus: Corpus) -> FactResult:
    allowed = corpus.resolve_all(fact.sources)
    result = FactResult(key=key, label=fact.label)
    if output.sources is not None:
        result.retrieved = any(
            s.get("article_id") in allowed and states_normalised(normalise(s.get("text", "")), fact) for s in output.sources
        )
    if output.abstained:
        return result
    stating = _stating_claims(output, fact)
    result.stated = bool(stating)
    result.cited = any(c.get("article_id") in allowed for claim in stating for c in claim.citations)
    result.quoted = any(states_normalised(normalise(str(c.get("quote", ""))), fact) for c in output.citations)
    return result


def quote_is_valid(citation: dict[str, Any], corpus: Corpus) -> bool:
    text = corpus.text(str(citation.get("article_id")))
    start, end = citation.get("start"), citation.get("end")
    return text is not None and isinstance(start, int) and isinstance(end, int) and text[start:end] == citation.get("quote")


def score_item(item: Item, output: dict[str, Any] | None, corpus: Corpus, error: str | None = None) -> ItemResult:
    """Score one entry; ``output`` is ``Answer.to_dict()`` or ``Summary.to_dict()``, None after an error."""
    result = ItemResult(id=item.id, prompt=item.prompt, tags=list(item.tags), answerable=item.answerable, error=error)
    if output is None:
        result.facts = [FactResult(f"{item.id}/{f.id}", f.label) for f in item.facts]
        return result
    out = Output.from_dict(output)
    result.text = out.text
    result.abstained = out.abstained
    result.abstention_ok = not out.abstained if item.answerable else out.abstained and not out.citations
    result.facts = [score_fact(f"{item.id}/{f.id}", f, out, corpus) for f in item.facts]
    result.citations = len(out.citations)
    result.flagged = sum(c.unsupported for c in out.claims)
    result.invalid_quotes = [str(c.get("quote", "")) for c in out.citations if not quote_is_valid(c, corpus)]
    result.latency_s = float(out.timings.get("total_s", 0.0))
    result.prompt_tokens = int(out.usage.get("prompt_tokens", 0))
    result.completion_tokens = int(out.usage.get("completion_tokens", 0))
    return result


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def _wrong(result: ItemResult) -> bool:
    return result.responded and (not result.answerable or not result.right)


def aggregate(results: list[ItemResult]) -> tuple[dict[str, float | None], dict[str, int]]:
    """(metrics, counts) over a run's entries: micro-averaged over facts, citations and questions."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    facts = [f for r in answerable for f in r.facts]
    stated = [f for f in facts if f.stated]
    retrievable = [f for f in facts if f.retrieved is not None]
    judged = [r.judge for r in answerable if r.judge is not None]
    ok = [r for r in results if r.error is None]
    latencies = [r.latency_s for r in ok]
    citations = sum(r.citations for r in results)
    c = {
        "entries": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "facts": len(facts),
        "facts_stated": len(stated),
        "facts_cited": sum(f.cited for f in stated),
        "facts_retrievable": len(retrievable),
        "facts_retrieved": sum(bool(f.retrieved) for f in retrievable),
        "citations": citations,
        "quotes_valid": citations - sum(len(r.invalid_quotes) for r in results),
        "abstained_ok": sum(r.abstention_ok for r in unanswerable),
        "answered": sum(r.abstention_ok for r in answerable),
        "passed": sum(r.passed for r in results),
        "right": sum(r.right for r in answerable),
        "falsely_abstained": sum(r.error is None and r.abstained for r in answerable),
        "right_quoted": sum(r.right and all(f.quoted for f in r.facts) for r in answerable),
        "responded": sum(r.responded for r in results),
        "wrong_supported": sum(_wrong(r) and r.presented_as_supported for r in results),
        "judged": len(judged),
        "judged_correct": sum(judged),
        "generated": sum(r.generated for r in results),
        "errors": len(results) - len(ok),
        "prompt_tokens": sum(r.prompt_tokens for r in results),
        "completion_tokens": sum(r.completion_tokens for r in results),
    }
    metrics: dict[str, float | None] = {name: _ratio(c[num], c[den]) for name, (num, den) in FRACTIONS.items()}
    metrics["latency_mean_s"] = statistics.fmean(latencies) if latencies else None
    metrics["latency_p50_s"] = statistics.median(latencies) if latencies else None
    metrics["latency_p95_s"] = _p95(latencies) if latencies else None
    metrics["tokens_mean"] = (c["prompt_tokens"] + c["completion_tokens"]) / len(ok) if ok else None
    return metrics, c


TAG_METRICS = ("answer_right", "fact_recall", "citation_accuracy", "abstention", "pass_rate")


def by_tag(results: list[ItemResult]) -> dict[str, dict[str, float | None]]:
    """Answer right, fact recall, citation accuracy, abstention and pass rate per tag."""
    tags = sorted({t for r in results for t in r.tags})
    table = {}
    for tag in tags:
        metrics, counts = aggregate([r for r in results if tag in r.tags])
        table[tag] = {
            "entries": counts["entries"],
            **{k: metrics[k] for k in TAG_METRICS},
        }
    return table
