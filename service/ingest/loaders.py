"""Read article files (.txt, .md, .html, .json, .jsonl) into :class:`RawArticle` records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from service.errors import InvalidInput
from service.ingest.models import RawArticle

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
_TEXT_KEYS = ("text", "body", "content")


class IngestError(InvalidInput):
    """A file that cannot be ingested; the message names the file and the reason."""


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files named directly, and supported files found under folders (sorted, recursive)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            yield path


def read_text(path: Path, max_bytes: int) -> str:
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{path}: unsupported extension {path.suffix or '(none)'!r}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from exc
    if len(data) > max_bytes:
        raise IngestError(f"{path}: {len(data)} bytes is over the {max_bytes}-byte limit")
    if b"\x00" in data[:8192]:
        raise IngestError(f"{path}: binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise IngestError(f"{path}: empty file")
    return text


def load_file(path: Path, max_bytes: int) -> list[RawArticle]:
    """All articles in one file (JSON/JSONL files may hold several)."""
    text = read_text(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl"):
        return _load_records(path, text, suffix)
    if suffix in (".html", ".htm"):
        return [_load_html(path, text)]
    return [_load_plain(path, text)]


def _load_plain(path: Path, text: str) -> RawArticle:
    """Plain text or Markdown: optional YAML front matter, then a title line, then the story."""
    meta: dict = {}
    if text.startswith("---\n"):
        head, sep, rest = text[4:].partition("\n---\n")
        if sep:
            try:
                loaded = yaml.safe_load(head)
            except yaml.YAMLError as exc:
                raise IngestError(f"{path}: front matter is not valid YAML ({exc.__class__.__name__})") from exc
            meta = loaded if isinstance(loaded, dict) else {}
            text = rest
    lines = text.strip().splitlines()
    title = meta.get("title")
    if not title:
        title = lines[0].lstrip("# ").strip()
        lines = lines[1:]
    return RawArticle(
        source=str(meta.get("url") or path),
        body="\n".join(lines),
        title=str(title),
        outlet=_opt(meta.get("outlet")),
        published=_opt(meta.get("published") or meta.get("date")),
        url=_opt(meta.get("url")),
    )


def _load_html(path: Path, text: str) -> RawArticle:
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()

    def meta(*names: str) -> str | None:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
            if tag and tag.get("content"):
                return str(tag["content"]).strip()
        return None

    root = soup.find("article") or soup.body or soup
    paragraphs = [p.get_text(" ", strip=True) for p in root.find_all("p")] or [root.get_text("\n", strip=True)]
    h1 = soup.find("h1")
    title = meta("og:title") or (h1.get_text(strip=True) if h1 else None) or (soup.title.string if soup.title else None)
    url = meta("og:url")
    return RawArticle(
        source=url or str(path),
        body="\n\n".join(p for p in paragraphs if p),
        title=title.strip() if title else None,
        outlet=meta("og:site_name", "publisher"),
        published=meta("article:published_time", "date", "pubdate"),
        url=url,
    )


def _load_records(path: Path, text: str, suffix: str) -> list[RawArticle]:
    try:
        if suffix == ".jsonl":
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            loaded = json.loads(text)
            records = loaded if isinstance(loaded, list) else [loaded]
    except json.JSONDecodeError as exc:
        raise IngestError(f"{path}: invalid JSON at line {exc.lineno} ({exc.msg})") from exc
    articles = []
    for n, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise IngestError(f"{path}: record {n} is not an object")
        body = next((record[k] for k in _TEXT_KEYS if isinstance(record.get(k), str) and record[k].strip()), None)
        if body is None:
            raise IngestError(f"{path}: record {n} has no text (one of {', '.join(_TEXT_KEYS)})")
        url = _opt(record.get("url"))
        articles.append(
            RawArticle(
                source=url or f"{path}#{n}",
                body=body,
                title=_opt(record.get("title")),
                outlet=_opt(record.get("outlet") or record.get("source")),
                published=_opt(record.get("published") or record.get("date")),
                url=url,
            )
        )
    return articles


def _opt(value: object) -> str | None:
    return str(value).strip() if value not in (None, "") else None
