"""The ``newsdesk`` command line."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.chains.answer import Answer
from service.citations.verify import Citation
from service.desk import Newsdesk
from service.errors import NewsdeskError
from service.evals.cli import eval_app
from service.extras import require_extra
from service.settings import RESOURCES_DIR, get_settings

app = typer.Typer(help="Newsdesk: cited answers and summaries over news articles.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
console = Console()
err = Console(stderr=True)


def _desk() -> Newsdesk:
    return Newsdesk(get_settings())


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)  # a message's [brackets] are text, not markup
    return typer.Exit(code)


# Settings are read before any command runs, so a bad value is one clear line, not a traceback.
@app.callback()
def _check_settings() -> None:
    try:
        get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'NEWSDESK_' + '_'.join(map(str, e['loc'])).upper() if e['loc'] else 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise _fail(f"invalid settings: {problems}") from None
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        detail = f"{exc.problem} at line {mark.line + 1}" if mark else str(exc)  # type: ignore[attr-defined]
        raise _fail(f"NEWSDESK_CONFIG is not valid YAML or TOML: {detail}") from None
    except ValueError as exc:  # NEWSDESK_CONFIG naming no file
        raise _fail(str(exc)) from None


def _utf8(value: str, what: str) -> None:
    """Bytes the terminal's encoding could not decode arrive as surrogates; refuse them plainly."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise _fail(f"the {what} is not valid UTF-8 text; check the terminal's encoding") from None


@app.command()
def config() -> None:
    """Print the effective settings (env vars NEWSDESK_*, NEWSDESK_CONFIG file), secrets masked."""
    console.print_json(json.dumps(get_settings().masked()))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .html .json .jsonl).")],
    replace: Annotated[
        bool, typer.Option(help="Replace stored articles with the same URL (without a URL: from the same file).")
    ] = False,
) -> None:
    """Ingest articles: clean, chunk, embed and store them. Re-ingesting unchanged files does nothing."""
    desk = _desk()
    try:
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("ingesting", total=None)

            def on_file(path: Path, done: int, total: int) -> None:
                progress.update(task, completed=done, total=total, description=f"ingesting {path.name}")

            report = desk.ingestor.ingest_paths(paths, on_file=on_file, replace=replace)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    for message in report.errors:
        err.print(f"[red]error:[/red] {message}", highlight=False)
    console.print(report.summary())
    _print_articles(desk)
    if report.errors:
        raise typer.Exit(1)


def _print_articles(desk: Newsdesk) -> None:
    table = Table("id", "title", "outlet", "published", "chunks")
    for a in desk.store.list_articles():
        table.add_row(a.id, a.title, a.outlet or "", a.published or "", str(a.chunk_count))
    console.print(table)


@app.command()
def articles() -> None:
    """List stored articles with their chunk counts."""
    try:
        _print_articles(_desk())
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None


@app.command()
def delete(article_id: Annotated[str, typer.Argument(help="Article id, as `newsdesk articles` shows it.")]) -> None:
    """Remove an article and its chunks."""
    try:
        removed = _desk().store.delete(article_id)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if not removed:
        raise _fail(f"no article with id {article_id!r}")
    console.print(f"deleted {article_id}")


def _print_citation(label: str, c: Citation) -> None:
    console.print(
        f"  {label} {c.title} — {c.outlet or 'unknown outlet'} ({c.article_id}, chars {c.start}-{c.end})\n      “{c.quote}”",
        highlight=False,
    )


def _print_answer(answer: Answer) -> None:
    console.print(f"[bold]Q:[/bold] {answer.question}", highlight=False)
    if answer.standalone_question != answer.question:
        console.print(f"[dim](searched as: {answer.standalone_question})[/dim]", highlight=False)
    console.print(f"[bold]A:[/bold] {answer.text}", highlight=False)
    for c in answer.citations:
        _print_citation(f"[{c.n}]", c)
    for sentence in answer.sentences:
        if sentence.unsupported:
            console.print(f"  [yellow]left out, unsupported ({sentence.reason}):[/yellow] {sentence.text}", highlight=False)
    if answer.closest:
        console.print("  [dim]closest passages:[/dim]", highlight=False)
        for c in answer.closest:
            _print_citation("-", c)
    console.print(
        f"[dim]prompt {answer.prompt_version} · model {answer.model} · "
        f"{answer.usage.get('prompt_tokens', 0)}+{answer.usage.get('completion_tokens', 0)} tokens · "
        f"{answer.timings.get('total_s', 0):.1f}s[/dim]",
        highlight=False,
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    article: Annotated[list[str] | None, typer.Option("--article", "-a", help="Only this article id (repeatable).")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only articles from this outlet.")] = None,
    prompt: Annotated[str | None, typer.Option(help="Prompt as name@version, e.g. answer@v1.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full answer as JSON.")] = False,
) -> None:
    """Answer a question from the stored articles, with verified citations."""
    for what, value in (("question", question), ("outlet", outlet or ""), *(("article id", a) for a in article or [])):
        _utf8(value, what)
    from service.retrieval.filters import Filters

    try:
        answer = (
            _desk().answerer(prompt).answer([{"role": "user", "content": question}], Filters(article_ids=article, outlet=outlet))
        )
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        console.print_json(json.dumps(answer.to_dict()))
    else:
        _print_answer(answer)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many chunks to show.")] = 10,
    article: Annotated[list[str] | None, typer.Option("--article", "-a", help="Only this article id (repeatable).")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only articles from this outlet.")] = None,
    since: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or after this day.")] = None,
    until: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Published on or before this day.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (the body of POST /v1/search).")] = False,
) -> None:
    """Show the chunks retrieval finds for a query (dense + BM25, fused), with scores; no model involved."""
    for what, value in (("query", query), ("outlet", outlet or ""), *(("article id", a) for a in article or [])):
        _utf8(value, what)
    from service.retrieval.filters import Filters
    from service.retrieval.search import search as run_search

    filters = Filters(article_ids=article, outlet=outlet, date_from=since and since.date(), date_to=until and until.date())
    try:
        result = run_search(_desk().store, query, k, filters, get_settings().max_question_chars)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        console.print_json(result.model_dump_json())
        return
    for h in result.hits:
        s, a = h.scores, h.article
        dense = "dense -" if s.dense is None else f"dense {s.dense:.3f} #{s.dense_rank}"
        sparse = "BM25 -" if s.sparse is None else f"BM25 {s.sparse:.2f} #{s.sparse_rank}"
        console.print(
            f"{h.rank:>2}. [bold]{a.title}[/bold] — {a.outlet or 'unknown outlet'} ({a.id}, chars {h.start}-{h.end})\n"
            f"    [dim]fused {s.fused:.4f} · {dense} · {sparse}[/dim]\n    {' '.join(h.text.split())[:300]}",
            highlight=False,
        )
    console.print(f"[dim]{len(result.hits)} chunk(s) in {result.took_ms:.0f} ms[/dim]")


DEMO_QUESTION = "Who greeted Blinken when he arrived in Beijing?"


@app.command()
def demo(
    question: Annotated[str, typer.Option(help="The sample question to answer.")] = DEMO_QUESTION,
    seeds: Annotated[Path, typer.Option(help="Folder of articles to ingest.")] = RESOURCES_DIR / "seeds",
) -> None:
    """The main job end to end: ingest the seed articles, then answer a question with citations."""
    ingest([seeds])
    console.rule("answer")
    ask(question)


@app.command()
def summarize(
    article: Annotated[list[str] | None, typer.Option("--article", "-a", help="Article id (repeatable); default all.")] = None,
    prompt: Annotated[str | None, typer.Option(help="Prompt as name@version, e.g. summary@v2.")] = None,
    sentences: Annotated[
        int | None, typer.Option("--sentences", "-n", min=1, max=12, help="Length budget: sentences per article (default 5).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full summary as JSON.")] = False,
) -> None:
    """Summarise whole articles with citations; several articles give a cross-source summary."""
    try:
        summary = _desk().summarizer(prompt).summarize(article, sentences)
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        console.print_json(json.dumps(summary.to_dict()))
        return
    console.print(summary.text, highlight=False)
    for c in summary.citations:
        console.print(f"  [{c.n}] {c.title} — {c.outlet or 'unknown outlet'}: “{c.quote}”", highlight=False)
    console.print(f"[dim]prompt {summary.prompt_version} · model {summary.model} · {summary.timings['total_s']:.1f}s[/dim]")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind; default NEWSDESK_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Port; default NEWSDESK_PORT.")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes, each with its own model; default NEWSDESK_WORKERS.")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) and the chat page (/) with uvicorn."""
    import uvicorn

    from service.api.workers import prepared_workers

    s = get_settings()
    try:
        if s.slack_bot_token and s.slack_signing_secret:  # the app mounts the Slack bot: say now if it can't
            require_extra("slack", "slack_bolt", "the Slack bot (NEWSDESK_SLACK_BOT_TOKEN is set)")
        with prepared_workers(s, workers or s.workers):
            uvicorn.run(
                "service.api.app:create_app",
                factory=True,
                host=host or s.host,
                port=port or s.port,
                workers=workers or s.workers,
                timeout_graceful_shutdown=10,
            )
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None


@app.command()
def slack(
    socket: Annotated[bool, typer.Option("--socket", help="Connect over Socket Mode (needs NEWSDESK_SLACK_APP_TOKEN).")] = False,
) -> None:
    """Run the Slack bot: the Events API at /slack/events of `newsdesk serve`, or Socket Mode with --socket."""
    try:
        require_extra("slack", "slack_bolt", "the Slack bot")
    except NewsdeskError as exc:
        raise _fail(str(exc)) from None
    s = get_settings()
    needed = {"NEWSDESK_SLACK_BOT_TOKEN": s.slack_bot_token}
    if socket:
        needed["NEWSDESK_SLACK_APP_TOKEN"] = s.slack_app_token
    else:
        needed["NEWSDESK_SLACK_SIGNING_SECRET"] = s.slack_signing_secret
    missing = [name for name, value in needed.items() if value is None]
    if missing:
        raise _fail(f"the Slack bot needs {' and '.join(missing)} (see the README's Slack section)")
    if not socket:
        serve()
        return
    import asyncio

    from service.slack.socket_mode import run_socket_mode

    def connected() -> None:
        err.print("Slack bot connected over Socket Mode; Ctrl-C stops it.")

    from slack_sdk.errors import SlackApiError

    try:
        asyncio.run(run_socket_mode(_desk(), s, connected))
    except KeyboardInterrupt:
        pass
    except (SlackApiError, OSError) as exc:  # bad token, Slack unreachable
        raise _fail(f"Socket Mode could not connect: {exc}") from None
