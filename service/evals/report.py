"""A run's report folder: ``report.md`` for people, ``results.json`` for tools, ``junit.xml`` for CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import InvalidInput
from service.evals.scoring import FRACTIONS, METRICS, TAG_METRICS, ItemResult, format_metric

RESULTS_JSON = "results.json"


@dataclass
class RunReport:
    meta: dict[str, Any]
    metrics: dict[str, float | None]
    counts: dict[str, int]
    tags: dict[str, dict[str, float | None]] = field(default_factory=dict)
    results: list[ItemResult] = field(default_factory=list)

    @property
    def title(self) -> str:
        pipeline = self.meta.get("pipeline", "newsdesk")
        head = f"{self.meta.get('dataset', '?')} · " + ("" if pipeline == "newsdesk" else f"{pipeline} · ")
        return head + f"{self.meta.get('prompt', '?')} · {self.meta.get('model', '?')}"

    def fact_outcomes(self) -> dict[str, tuple[str, bool]]:
        """Per gold fact (``entry/fact``) and per unanswerable entry (``entry/abstain``): (label, ok)."""
        out: dict[str, tuple[str, bool]] = {}
        for r in self.results:
            if r.answerable:
                out.update({f.key: (f.label, f.ok) for f in r.facts})
            else:
                out[f"{r.id}/abstain"] = ("declines to answer", r.abstention_ok and r.error is None)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "metrics": self.metrics,
            "counts": self.counts,
            "tags": self.tags,
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def load(cls, folder: Path) -> RunReport:
        path = folder / RESULTS_JSON if folder.is_dir() else folder
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                meta=data["meta"],
                metrics=data["metrics"],
                counts=data["counts"],
                tags=data.get("tags", {}),
                results=[ItemResult.from_dict(r) for r in data["results"]],
            )
        except FileNotFoundError:
            raise InvalidInput(f"{folder}: no eval report here (expected {path})") from None
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InvalidInput(f"{path}: not an eval results file ({exc.__class__.__name__}: {exc})") from None


def fraction(name: str, counts: dict[str, int]) -> str:
    if name not in FRACTIONS:
        return ""
    num, den = FRACTIONS[name]
    return f"{counts.get(num, 0)}/{counts.get(den, 0)}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _pipeline(meta: dict[str, Any]) -> str:
    name = meta.get("pipeline", "newsdesk")
    return "Newsdesk" if name == "newsdesk" else f"{name} (baseline: no citations, so its citation metrics are 0)"


def render_markdown(report: RunReport) -> str:
    m, c = report.meta, report.counts
    lines = [
        f"# Eval report: {report.title}",
        "",
        "| | |",
        "|---|---|",
        f"| Dataset | `{m.get('dataset_path')}`: {c['entries']} entries ({c['answerable']} answerable, "
        f"{c['unanswerable']} unanswerable), {c['facts']} gold facts |",
        f"| Pipeline · prompt · model | {_pipeline(m)} · `{m.get('prompt')}` · `{m.get('model')}` ({m.get('provider')}) |",
        f"| Corpus | `{m.get('corpus')}` ({m.get('articles')} articles), top_k {m.get('k')} |",
        f"| Run | finished {m.get('finished')}, {m.get('wall_s')} s wall ({m.get('resumed', 0)} entries resumed, "
        f"{sum(r.latency_s for r in report.results):.0f} s answering in all); "
        f"{c['generated']} generated, {c['errors']} errors; {c['prompt_tokens']}+{c['completion_tokens']} tokens |",
        "",
        "## Metrics",
        "",
        "| Metric | Value | Count | Measures |",
        "|---|---:|---:|---|",
    ]
    for name, value in report.metrics.items():
        if value is None and name == "judge_accuracy":
            continue
        meta = METRICS[name]
        label = f"{meta.label}" if name != "retrieval_recall" else f"Retrieval recall@{m.get('k')}"
        lines.append(f"| {label} | {format_metric(name, value)} | {fraction(name, c)} | {meta.description} |")
    if report.metrics.get("judge_accuracy") is not None:
        lines += ["", "_Judge accuracy is model-judged (an LLM grading answers); every other metric is deterministic._"]
    if report.tags:
        lines += [
            "",
            "## By tag",
            "",
            "| Tag | Entries | " + " | ".join(METRICS[k].label for k in TAG_METRICS) + " |",
            "|---|---:|" + "---:|" * len(TAG_METRICS),
        ]
        for tag, row in report.tags.items():
            cells = [format_metric(k, row.get(k)) for k in TAG_METRICS]
            lines.append(f"| {tag} | {row['entries']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Entries",
        "",
        "| | Id | Question | Facts stated | Cited right | Abstained | Latency | Tokens |",
        "|---|---|---|---:|---:|---|---:|---:|",
    ]
    for r in report.results:
        stated = sum(f.stated for f in r.facts)
        facts = f"{stated}/{len(r.facts)}" if r.answerable else "–"
        cited = f"{sum(f.ok for f in r.facts)}/{stated}" if stated else "–"
        lines.append(
            f"| {'✅' if r.passed else '❌'} | {r.id} | {_cell(r.prompt)} | {facts} | {cited} | "
            f"{'yes' if r.abstained else 'no'} | {r.latency_s:.1f} s | {r.prompt_tokens + r.completion_tokens} |"
        )
    failed = [r for r in report.results if not r.passed]
    if failed:
        lines += ["", "## Failures", ""]
        for r in failed:
            lines += [f"**{r.id}**: {_cell(r.prompt)}", ""]
            lines += [f"- {_cell(p)}" for p in r.problems()]
            lines += [f"- answer: {_cell(r.text) or '(none)'}", ""]
    if m.get("warnings"):
        lines += ["## Gold-set warnings", ""] + [f"- {_cell(w)}" for w in m["warnings"]] + [""]
    return "\n".join(lines).rstrip() + "\n"


def render_junit(report: RunReport) -> str:
    name = f"eval.{report.meta.get('dataset')}"
    suite = ET.Element(
        "testsuite",
        name=name,
        tests=str(len(report.results)),
        failures=str(sum(not r.passed and r.error is None for r in report.results)),
        errors=str(sum(r.error is not None for r in report.results)),
        time=f"{sum(r.latency_s for r in report.results):.2f}",
    )
    props = ET.SubElement(suite, "properties")
    for key in ("prompt", "model"):
        ET.SubElement(props, "property", name=key, value=str(report.meta.get(key)))
    for metric, value in report.metrics.items():
        ET.SubElement(props, "property", name=metric, value="" if value is None else f"{value:.4f}")
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=name, name=r.id, time=f"{r.latency_s:.2f}")
        if not r.passed:
            kind = "error" if r.error else "failure"
            node = ET.SubElement(case, kind, message="; ".join(r.problems()))
            node.text = f"Q: {r.prompt}\nA: {r.text}"
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_report(report: RunReport, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RESULTS_JSON).write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (folder / "junit.xml").write_text(render_junit(report), encoding="utf-8")
