"""``newsdesk eval``: run gold datasets, compare prompt versions, gate CI on the results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from service.errors import NewsdeskError
from service.evals.compare import compare
from service.evals.gate import broken_since_baseline, check, load_baseline, load_gate_config, write_baseline
from service.evals.report import RunReport, fraction
from service.evals.runner import EvalRun
from service.evals.scoring import METRICS, format_metric
from service.evals.summary_cli import summaries
from service.settings import RESOURCES_DIR, get_settings

eval_app = typer.Typer(help="Score answers against gold facts; compare prompt versions; gate CI.", no_args_is_help=True)
eval_app.command("summaries")(summaries)
console = Console()
err = Console(stderr=True)

DEFAULT_DATASET = RESOURCES_DIR / "evals" / "seeds.yaml"
DEFAULT_CONFIG = RESOURCES_DIR / "evals" / "config.yaml"
SHOW_BROKEN = 15

DatasetOpt = Annotated[Path, typer.Option("--dataset", "-d", help="Gold dataset (YAML, see evals/README.md).")]
CorpusOpt = Annotated[Path | None, typer.Option(help="Folder of articles to ingest into a fresh store in the run folder.")]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", help="Only entries with this tag (repeatable).")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _execute(run: EvalRun) -> RunReport:
    """Run with a progress bar; Ctrl-C keeps what is answered and says how to resume."""
    using = run.prompt_ref if run.pipeline == "newsdesk" else f"the {run.pipeline} baseline"
    err.print(f"evaluating {run.dataset.path} with {using} → {run.out}", highlight=False)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("preparing", total=len(run.items))

        def on_progress(done: int, total: int, item_id: str | None) -> None:
            progress.update(task, completed=done, total=total, description=item_id or f"{done} kept from before")

        try:
            report = run.execute(on_progress)
        except KeyboardInterrupt:
            progress.stop()
            raise _fail(f"interrupted; answered entries are kept in {run.out}: rerun the same command to resume", 130) from None
    for warning in report.meta.get("warnings", []):
        err.print(f"[yellow]gold-set warning:[/yellow] {warning}", highlight=False)
    return report


def _metrics_table(report: RunReport) -> Table:
    table = Table("metric", "value", "count", title=report.title)
    for name, value in report.metrics.items():
        if value is not None:
            table.add_row(METRICS[name].label, format_metric(name, value), fraction(name, report.counts))
    return table


def _run(
    dataset: Path,
    prompt: str | None,
    corpus: Path | None,
    out: Path | None,
    judge: bool,
    fresh: bool,
    tags: list[str] | None,
    limit: int | None = None,
    pipeline: str = "newsdesk",
) -> RunReport:
    try:
        run = EvalRun(
            get_settings(),
            dataset,
            prompt=prompt,
            corpus=corpus,
            out=out,
            judge=judge,
            fresh=fresh,
            tags=tags,
            limit=limit,
            pipeline=pipeline,
        )
        return _execute(run)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None


@eval_app.command("run")
def run_cmd(
    dataset: DatasetOpt = DEFAULT_DATASET,
    prompt: Annotated[str | None, typer.Option(help="Prompt version, e.g. answer@v2 (default: the configured one).")] = None,
    corpus: CorpusOpt = None,
    out: Annotated[Path | None, typer.Option(help="Report folder (default reports/eval/DATASET/PROMPT).")] = None,
    judge: Annotated[bool, typer.Option(help="Also grade answers with the LLM judge (model-judged; slow).")] = False,
    fresh: Annotated[bool, typer.Option(help="Ignore answers kept from an earlier, interrupted run.")] = False,
    tag: TagOpt = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N entries (after --tag).")] = None,
    pipeline: Annotated[
        str, typer.Option(help="newsdesk, or langchain-rag: the LangChain RAG-tutorial baseline on the same store and model.")
    ] = "newsdesk",
) -> None:
    """Answer every entry of a dataset and write report.md, results.json and junit.xml."""
    report = _run(dataset, prompt, corpus, out, judge, fresh, tag, limit, pipeline)
    console.print(_metrics_table(report))
    if report.counts["errors"]:
        err.print(
            f"[red]{report.counts['errors']} entries failed with an error[/red] (listed in report.md); "
            "rerun the same command to retry them",
            highlight=False,
        )
    console.print(f"report: {Path(report.meta['out']) / 'report.md'}", highlight=False)


def _report_for(ref: str, dataset: Path, corpus: Path | None) -> RunReport:
    """A report folder as it is, or a prompt ref run now (resuming its default report folder)."""
    path = Path(ref)
    if path.exists():
        try:
            return RunReport.load(path)
        except NewsdeskError as exc:
            raise _fail(str(exc)) from None
    if "@" not in ref:
        raise _fail(f"{ref!r} is neither a report folder nor a prompt ref like answer@v1")
    return _run(dataset, ref, corpus, None, False, False, None)


@eval_app.command("compare")
def compare_cmd(
    a: Annotated[str, typer.Argument(help="Report folder or prompt ref (the before).")],
    b: Annotated[str, typer.Argument(help="Report folder or prompt ref (the after).")],
    dataset: DatasetOpt = DEFAULT_DATASET,
    corpus: CorpusOpt = None,
    changed_only: Annotated[bool, typer.Option(help="List only facts that were fixed or broke.")] = False,
) -> None:
    """Per gold fact: fixed, broke or unchanged from A to B; then the metric deltas."""
    ra, rb = _report_for(a, dataset, corpus), _report_for(b, dataset, corpus)
    if ra.meta.get("dataset_sha") != rb.meta.get("dataset_sha"):
        err.print("[yellow]warning:[/yellow] the two runs used different versions of the dataset", highlight=False)
    changes, deltas = compare(ra, rb)
    style = {"fixed": "green", "broke": "red"}
    facts = Table("fact", "phrasing", "A", "B", "status", title=f"A = {ra.title}\nB = {rb.title}")
    for ch in changes:
        if changed_only and ch.status == "unchanged":
            continue
        mark = {True: "✓", False: "✗", None: "–"}
        s = style.get(ch.status, "dim")
        facts.add_row(ch.key, ch.label, mark[ch.a], mark[ch.b], f"[{s}]{ch.status}[/{s}]")
    console.print(facts)
    counts = {s: sum(c.status == s for c in changes) for s in ("fixed", "broke", "unchanged")}
    console.print(f"{counts['fixed']} fixed, {counts['broke']} broke, {counts['unchanged']} unchanged", highlight=False)
    table = Table("metric", "A", "B", "Δ")
    for d in deltas:
        better = d.delta is not None and d.delta != 0 and (d.delta > 0) == METRICS[d.name].higher_is_better
        shown = "" if not d.delta else METRICS[d.name].fmt.replace("{:", "{:+").format(d.delta)
        colour = "green" if better else "red" if d.delta else "dim"
        table.add_row(
            METRICS[d.name].label, format_metric(d.name, d.a), format_metric(d.name, d.b), f"[{colour}]{shown}[/{colour}]"
        )
    console.print(table)


@eval_app.command("gate")
def gate_cmd(
    config: Annotated[Path, typer.Option(help="Thresholds, tolerance, dataset and baseline.")] = DEFAULT_CONFIG,
    report: Annotated[Path | None, typer.Option(help="Check this report folder instead of running the dataset.")] = None,
    prompt: Annotated[str | None, typer.Option(help="Prompt version to run (default: the configured one).")] = None,
    corpus: CorpusOpt = None,
    out: Annotated[Path | None, typer.Option(help="Report folder for the run.")] = None,
    update_baseline: Annotated[bool, typer.Option(help="Write this run's metrics as the new baseline.")] = False,
) -> None:
    """Exit 1 when a metric is below its floor, above its ceiling, or regressed beyond tolerance vs the baseline."""
    try:
        cfg = load_gate_config(config)
        if report is not None:
            result = RunReport.load(report)
        else:
            dataset = cfg.dataset or DEFAULT_DATASET
            result = _run(dataset, prompt, corpus, out, False, False, None)
        baseline = load_baseline(cfg.baseline)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if update_baseline:
        if cfg.baseline is None:
            raise _fail(f"{config} names no `baseline` file to write")
        write_baseline(result, cfg.baseline)
        console.print(f"baseline written to {cfg.baseline}", highlight=False)
        baseline = load_baseline(cfg.baseline)
    checks = check(result, cfg, baseline)
    if baseline and baseline.get("dataset_sha") != result.meta.get("dataset_sha"):
        err.print("[yellow]warning:[/yellow] the baseline was made from another version of the dataset", highlight=False)
    table = Table("metric", "value", "rule", "result", title=f"gate: {result.title}")
    for c in checks:
        verdict = "[dim]no data[/dim]" if c.value is None else "[green]pass[/green]" if c.ok else "[red]FAIL[/red]"
        table.add_row(METRICS[c.metric].label, c.shown, c.rule, verdict)
    console.print(table)
    broken = broken_since_baseline(result, baseline)
    for key, label in broken[:SHOW_BROKEN]:
        console.print(f"  [red]broke since baseline:[/red] {key} ({label})", highlight=False, soft_wrap=True)
    if len(broken) > SHOW_BROKEN:
        console.print(f"  ... and {len(broken) - SHOW_BROKEN} more (see `newsdesk eval compare`)", highlight=False)
    failed = [c for c in checks if not c.ok]
    if failed:
        raise _fail(f"gate failed: {len(failed)} of {len(checks)} checks", 1)
    console.print(f"[green]gate passed[/green]: {len(checks)} checks", highlight=False)
