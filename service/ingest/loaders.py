"""Read article files (.txt, .md, .html, .json, .jsonl) into :class:`RawArticle` records.

Every parser is bounded (see :mod:`service.ingest.limits`): YAML aliases are refused (an alias
bomb expands a few hundred bytes into gigabytes), JSON nesting and record counts are capped,
and every field is checked against its limit before anything is cleaned or embedded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from service.errors import InvalidInput
from service.ingest.dates import find_dateline
from service.ingest.html import extract_html
from service.ingest.limits import IngestLimits
from service.ingest.models import RawArticle

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
_TEXT_KEYS = ("text", "body", "content")
_DEFAULT_LIMITS = IngestLimits()


class IngestError(InvalidInput):
    """A file that cannot be ingested; the message names the file and the reason."""


class _NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader without aliases: no expansion, so parsing is linear in the input."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed in front matter")
        return super().compose_node(parent, index)


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files named directly, and supported files found under folders (sorted, recursive)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            yield path


def source_of(path: Path) -> str:
    """One spelling per file (``seeds/a.txt``, ``./seeds/a.txt`` and its absolute path are one source)."""
    return str(path.resolve())


def load_file(path: Path, max_bytes: int, limits: IngestLimits = _DEFAULT_LIMITS) -> list[RawArticle]:
    """All articles in one file (JSON/JSONL files may hold several)."""
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{path}: unsupported extension {path.suffix or '(none)'!r}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        size = path.stat().st_size
        if size > max_bytes:  # refused before reading it
            raise IngestError(f"{path}: {size} bytes is over the {max_bytes}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from exc
    return load_bytes(data, path.suffix, str(path), source_of(path), max_bytes, limits)


def load_bytes(
    data: bytes, suffix: str, label: str, source: str, max_bytes: int, limits: IngestLimits = _DEFAULT_LIMITS
) -> list[RawArticle]:
    """Articles in ``data`` as the loader for ``suffix`` reads them; errors start with ``label``."""
    suffix = suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{label}: unsupported extension {suffix or '(none)'!r}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        text = _decode(data, max_bytes)
        if suffix in (".json", ".jsonl"):
            return _load_records(text, suffix, source, limits)
        if suffix in (".html", ".htm"):
            return [limits.check(extract_html(text, source, limits.max_record_chars))]
        return [limits.check(_load_plain(text, source, limits))]
    except InvalidInput as exc:
        raise IngestError(f"{label}: {exc}") from None


def _decode(data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise InvalidInput(f"{len(data)} bytes is over the {max_bytes}-byte limit")
    if b"\x00" in data[:8192]:
        raise InvalidInput("binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start})") from exc
    if not text.strip():
        raise InvalidInput("empty file")
    return text


def _front_matter(head: str, limits: IngestLimits) -> dict[str, Any]:
    if len(head.encode()) > limits.max_front_matter_bytes:
        raise InvalidInput(f"front matter is over {limits.max_front_matter_bytes} bytes (NEWSDESK_MAX_FRONT_MATTER_BYTES)")
    try:
        loaded = yaml.load(head, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        reason = str(exc) if "aliases" in str(exc) else exc.__class__.__name__
        raise InvalidInput(f"front matter is not valid YAML ({reason})") from exc
    return loaded if isinstance(loaded, dict) else {}


def _load_plain(text: str, source: str, limits: IngestLimits) -> RawArticle:
    """Plain text or Markdown: optional YAML front matter, then a title line, then the story."""
    meta: dict[str, Any] = {}
    text = text.replace("\r\n", "\n")
    if text.startswith("---\n"):
        head, sep, rest = text[4:].partition("\n---\n")
        if sep:
            meta = _front_matter(head, limits)
            text = rest
    lines = text.strip().splitlines()
    title = _scalar(meta, "title")
    if not title and lines and len(lines[0]) <= limits.max_title_chars:  # a long first line is story, not title
        title = lines[0].lstrip("# ").strip() or None
        lines = lines[1:]
    url = _scalar(meta, "url")
    published = _scalar(meta, "published") or _scalar(meta, "date")
    if published is None and (dateline := find_dateline(lines)):  # "Published 18 June 2023" under the title
        index, published = dateline
        lines = lines[:index] + lines[index + 1 :]
    return RawArticle(
        source=url or source,
        body="\n".join(lines),
        title=title,
        outlet=_scalar(meta, "outlet"),
        published=published,
        url=url,
        author=_scalar(meta, "author"),
    )


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _parse_json(text: str, where: str, limits: IngestLimits) -> Any:
    limit = f"the limit is {limits.max_json_depth} (NEWSDESK_MAX_JSON_DEPTH)"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"invalid JSON{where} at line {exc.lineno} ({exc.msg})") from exc
    except RecursionError:
        raise InvalidInput(f"JSON{where} is nested too deeply to parse; {limit}") from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise InvalidInput(f"invalid JSON{where} ({exc})") from exc
    if (depth := _depth(value)) > limits.max_json_depth:
        raise InvalidInput(f"JSON{where} is nested {depth} levels deep; {limit}")
    return value


def _load_records(text: str, suffix: str, source: str, limits: IngestLimits) -> list[RawArticle]:
    if suffix == ".jsonl":
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        _check_count(len(lines), limits)
        records = [_parse_json(line, f" on line {n}", limits) for n, line in lines]
    else:
        loaded = _parse_json(text, "", limits)
        records = loaded if isinstance(loaded, list) else [loaded]
        _check_count(len(records), limits)
    articles = []
    for n, record in enumerate(records, 1):
        try:
            articles.append(limits.check(_record(record, f"{source}#{n}")))
        except InvalidInput as exc:
            raise InvalidInput(f"record {n}: {exc}") from None
    return articles


def _check_count(count: int, limits: IngestLimits) -> None:
    if count > limits.max_records:
        raise InvalidInput(f"{count} records; the limit is {limits.max_records} per upload (NEWSDESK_MAX_RECORDS_PER_UPLOAD)")


def _record(record: Any, source: str) -> RawArticle:
    if not isinstance(record, dict):
        raise InvalidInput("not an object")
    body = next((record[k] for k in _TEXT_KEYS if isinstance(record.get(k), str) and record[k].strip()), None)
    if body is None:
        raise InvalidInput(f"has no text (one of {', '.join(_TEXT_KEYS)})")
    url = _scalar(record, "url")
    return RawArticle(
        source=url or source,
        body=body,
        title=_scalar(record, "title"),
        outlet=_scalar(record, "outlet") or _scalar(record, "source"),
        published=_scalar(record, "published") or _scalar(record, "date"),
        url=url,
        author=_scalar(record, "author"),
    )


def _scalar(mapping: dict[str, Any], key: str) -> str | None:
    """A metadata field as stripped text; nested values are refused, not stringified."""
    value = mapping.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, dict | list | tuple | set):
        raise InvalidInput(f"field {key!r} must be text, not {type(value).__name__}")
    return str(value).strip() or None
