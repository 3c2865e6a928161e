"""Run a gold dataset through the real pipeline and write a report folder.

Each finished entry is appended to ``results.jsonl`` at once, so an interrupted run picks up
where it stopped: entries already answered under the same prompt, model, settings and corpus
are not asked again (an edited entry is). ``--corpus`` articles go into a store of their own
inside the run folder, rebuilt only when the files or the chunking change.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from service.desk import Newsdesk
from service.errors import InvalidInput, NewsdeskError
from service.evals import baseline
from service.evals.corpus import Corpus
from service.evals.dataset import Dataset, Item, SummaryItem, load_dataset
from service.evals.judge import Judge
from service.evals.report import RunReport, write_report
from service.evals.scoring import aggregate, by_tag, score_item
from service.ingest.loaders import iter_files
from service.prompts import load_prompt
from service.settings import Settings

RESULTS = "results.jsonl"
PIPELINES = ("newsdesk", baseline.NAME)
Progress = Callable[[int, int, str | None], None]


def _sha(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _shown(path: Path) -> str:
    """A path as reports show it: relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def prompt_ref_for(dataset: Dataset, settings: Settings, prompt: str | None) -> str:
    """``--prompt`` as given (``v2`` alone means the dataset's own prompt name), else the configured one."""
    default = settings.answer_prompt if dataset.task == "answer" else settings.summary_prompt
    if not prompt:
        return default
    return prompt if "@" in prompt or prompt == default.partition("@")[0] else f"{default.partition('@')[0]}@{prompt}"


def default_out(dataset: Dataset, prompt_ref: str) -> Path:
    return Path("reports") / "eval" / (dataset.name or dataset.path.stem) / prompt_ref


def _store_settings(settings: Settings, corpus: Path, out: Path) -> Settings:
    """Settings whose store is a fresh embedded Chroma under the run folder, holding only ``corpus``."""
    if not corpus.exists():
        raise InvalidInput(f"corpus {corpus}: no such file or folder")
    files = list(iter_files([corpus]))
    key = _sha(
        {
            "files": [
                (str(p.relative_to(corpus) if corpus.is_dir() else p.name), hashlib.sha256(p.read_bytes()).hexdigest())
                for p in files
            ],
            "chunking": (settings.chunk_size, settings.chunk_overlap, settings.embedding_provider),
        }
    )
    store = out / "store"
    if (store / "key").is_file() and (store / "key").read_text() != key:
        shutil.rmtree(store)
    store.mkdir(parents=True, exist_ok=True)
    (store / "key").write_text(key)
    return settings.model_copy(update={"chroma_host": None, "chroma_path": store / "chroma", "collection": "eval"})


def _load_done(path: Path, run_key: str, items: list[Item]) -> dict[str, dict[str, Any]]:
    """Records of this run already answered without error (a torn last line is ignored)."""
    fingerprints = {i.id: i.fingerprint() for i in items}
    done: dict[str, dict[str, Any]] = {}
    if not path.is_file():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if (
            record.get("run") == run_key
            and record.get("error") is None
            and fingerprints.get(record.get("id")) == record.get("item")
        ):
            done[record["id"]] = record
    return done


class EvalRun:
    """One dataset, prompt version, model and corpus; ``execute()`` answers what is not answered yet."""

    def __init__(
        self,
        settings: Settings,
        dataset: Path | Dataset,
        *,
        prompt: str | None = None,
        corpus: Path | None = None,
        out: Path | None = None,
        judge: bool = False,
        fresh: bool = False,
        tags: list[str] | None = None,
        limit: int | None = None,
        pipeline: str = "newsdesk",
        llm: BaseChatModel | None = None,
    ) -> None:
        """``pipeline``: ``newsdesk`` (the project's answerer or summarizer) or ``langchain-rag`` (the
        tutorial baseline, questions only); ``limit``: only the first N selected entries."""
        self.dataset = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
        if pipeline not in PIPELINES:
            raise InvalidInput(f"unknown pipeline {pipeline!r}; use one of {', '.join(PIPELINES)}")
        if pipeline != "newsdesk" and self.dataset.task != "answer":
            raise InvalidInput(f"the {pipeline} baseline answers questions; {self.dataset.path} is a summary dataset")
        self.pipeline = pipeline
        self.prompt_ref = prompt_ref_for(self.dataset, settings, prompt)
        load_prompt(self.prompt_ref, settings.prompts_dir)  # a wrong ref fails now, not after ingesting
        self.items = self.dataset.select(tags=tags)[:limit] if limit else self.dataset.select(tags=tags)
        if not self.items:
            raise InvalidInput(f"no entry of {self.dataset.path} carries the tag(s) {', '.join(tags or [])}")
        self.out = out or default_out(self.dataset, self.prompt_ref if pipeline == "newsdesk" else pipeline)
        self.out.mkdir(parents=True, exist_ok=True)
        self.corpus_dir = corpus or self.dataset.corpus
        if self.corpus_dir is not None:
            settings = _store_settings(settings, self.corpus_dir, self.out)
        field = "answer_prompt" if self.dataset.task == "answer" else "summary_prompt"
        self.settings = settings.model_copy(update={field: self.prompt_ref})
        self.desk = Newsdesk(self.settings)
        if llm is not None:
            self.desk.llm = llm  # type: ignore[misc]  # cached_property: an instance value wins
        self.judge = judge
        self.fresh = fresh

    def _ingest(self) -> None:
        if self.corpus_dir is None:
            return
        report = self.desk.ingestor.ingest_paths([self.corpus_dir])
        if report.errors:
            raise InvalidInput(f"corpus {self.corpus_dir}: " + "; ".join(report.errors))

    def identity(self, corpus: Corpus) -> dict[str, Any]:
        s = self.settings
        if self.pipeline == "newsdesk":
            prompt_ref, prompt_sha = self.prompt_ref, _sha(asdict(load_prompt(self.prompt_ref, s.prompts_dir)))
        else:
            prompt_ref, prompt_sha = baseline.PROMPT_REF, _sha(baseline.RAG_PROMPT.pretty_repr())
        return {
            "dataset": self.dataset.name or self.dataset.path.stem,
            "task": self.dataset.task,
            "pipeline": self.pipeline,
            "prompt": prompt_ref,
            "prompt_sha": prompt_sha,
            "model": s.chat_model_name,
            "provider": s.chat_provider,
            "settings": {
                k: getattr(s, k)
                for k in (
                    "top_k",
                    "chunk_size",
                    "chunk_overlap",
                    "evidence_sentences",
                    "min_evidence_relevance",
                    "local_threads",
                    "temperature",
                    "max_answer_tokens",
                    "max_summary_tokens",
                )
            },
            "articles": sorted(corpus.articles),
            "judge": self.judge,
        }

    def _output(self, item: Item) -> dict[str, Any]:
        if isinstance(item, SummaryItem):
            ids = None if item.articles is None else sorted(set().union(*(self.corpus.resolve(r) for r in item.articles)))
            return self.desk.summarizer(self.prompt_ref).summarize(ids).to_dict()
        if self.pipeline == baseline.NAME:
            return self._baseline.answer(item.question)
        answer = self.desk.answerer(self.prompt_ref).answer([{"role": "user", "content": item.question}])
        return answer.to_dict()

    @cached_property
    def _baseline(self) -> baseline.RagBaseline:
        return baseline.RagBaseline(self.desk.store, self.desk.llm, self.settings.chat_model_name)

    def _record(self, item: Item, judge: Judge | None) -> dict[str, Any]:
        record: dict[str, Any] = {"id": item.id, "item": item.fingerprint(), "run": self.run_key, "error": None}
        try:
            record["output"] = self._output(item)
            if judge and item.answerable and not record["output"].get("abstained"):
                record["judge"] = judge.grade(item, record["output"]["text"])
        except NewsdeskError as exc:
            record["error"] = f"{exc.__class__.__name__}: {exc}"
        return record

    def execute(self, on_progress: Progress | None = None) -> RunReport:
        started = time.perf_counter()
        self._ingest()
        self.corpus = Corpus.from_store(self.desk.store, self.corpus_dir)
        warnings = self.corpus.check(self.dataset)
        identity = self.identity(self.corpus)
        self.run_key = _sha(identity)
        results_path = self.out / RESULTS
        meta_path = self.out / "run.json"
        if self.fresh or not meta_path.is_file() or json.loads(meta_path.read_text()).get("run_key") != self.run_key:
            results_path.unlink(missing_ok=True)
        meta_path.write_text(json.dumps({"run_key": self.run_key, **identity}, indent=2, default=str))
        done = _load_done(results_path, self.run_key, self.items)
        resumed = len(done)
        judge = Judge(self.desk.llm, self.settings, load_prompt("judge", self.settings.prompts_dir)) if self.judge else None
        total = len(self.items)
        if on_progress:
            on_progress(len(done), total, None)
        with results_path.open("a", encoding="utf-8") as sink:
            for item in self.items:
                if item.id in done:
                    continue
                if on_progress:
                    on_progress(len(done), total, item.id)
                record = self._record(item, judge)
                sink.write(json.dumps(record, default=str) + "\n")
                sink.flush()
                done[item.id] = record
                if on_progress:
                    on_progress(len(done), total, item.id)
        results = []
        for item in self.items:
            record = done[item.id]
            result = score_item(item, record.get("output"), self.corpus, record.get("error"))
            result.judge = record.get("judge")
            results.append(result)
        metrics, counts = aggregate(results)
        report = RunReport(
            meta={
                **{k: v for k, v in identity.items() if k != "articles"},
                "dataset_path": _shown(self.dataset.path),
                "out": _shown(self.out),
                "dataset_sha": self.dataset.fingerprint(),
                "corpus": _shown(self.corpus_dir) if self.corpus_dir else self.desk.store.where,
                "articles": len(self.corpus.articles),
                "k": self.settings.top_k if self.pipeline == "newsdesk" else baseline.TOP_K,
                "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                "wall_s": round(time.perf_counter() - started, 1),
                "resumed": resumed,
                "warnings": warnings,
            },
            metrics=metrics,
            counts=counts,
            tags=by_tag(results),
            results=results,
        )
        write_report(report, self.out)
        return report
