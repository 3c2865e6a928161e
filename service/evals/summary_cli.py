"""``newsdesk eval summaries``: the public summary eval, Newsdesk beside the LangChain "stuff" baseline."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.desk import Newsdesk
from service.evals import summary_public
from service.settings import RESOURCES_DIR, get_settings

DATASET = RESOURCES_DIR / "evals" / "public_summary"


class Split(StrEnum):
    dev = "dev"
    heldout = "heldout"
    all = "all"


class Kind(StrEnum):
    single = "single"
    multi = "multi"
    all = "all"


def summaries(
    dataset: Annotated[Path, typer.Option("--dataset", "-d", help="Folder with dataset.json and articles/.")] = DATASET,
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports/eval/public-summary"),
    baseline: Annotated[bool, typer.Option(help="Also run the LangChain stuff summary.")] = True,
    split: Annotated[Split, typer.Option(help="dev (tune on it), heldout (never tune on it) or all.")] = Split.all,
    kind: Annotated[Kind, typer.Option(help="single articles, multi-outlet stories, or all.")] = Kind.all,
    prompt: Annotated[str | None, typer.Option(help="Summary prompt version, e.g. summary@v3 (default: settings).")] = None,
) -> None:
    """Summaries of public news scored for reference facts, support, whole sentences, outlet labels, length, latency.

    Build the dataset once first: evals/public_summary/build.py (see its README)."""
    update = {"data_dir": out / "data", "chroma_path": None} | ({"summary_prompt": prompt} if prompt else {})
    settings = get_settings().model_copy(update=update)
    systems = ("newsdesk", "stuff") if baseline else ("newsdesk",)
    (out / "items.jsonl").unlink(missing_ok=True)
    splits = summary_public.SPLITS if split is Split.all else (split.value,)
    kinds = summary_public.KINDS if kind is Kind.all else (kind.value,)
    desk = Newsdesk(settings)
    report = summary_public.run(dataset, desk, systems, lambda item: summary_public.append(item, out), splits, kinds)
    summary_public.write(report, out)
    table = Table("metric", *report.table())
    rows = list(report.table().values())
    for metric in rows[0]:
        table.add_row(metric, *(str(r[metric]) for r in rows))
    Console().print(table)
