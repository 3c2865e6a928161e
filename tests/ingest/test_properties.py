"""Property-based tests of every loader, the front-matter parser, cleaning and chunking: whatever the
input, a loader returns articles within the limits or raises one :class:`IngestError` line naming the
file, and chunk offsets always point at the chunk's text."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.errors import InvalidInput
from service.ingest.chunking import chunk_article, make_splitter
from service.ingest.clean import clean
from service.ingest.limits import IngestLimits
from service.ingest.loaders import SUPPORTED_SUFFIXES, IngestError, load_bytes
from service.ingest.models import RawArticle

LIMITS = IngestLimits(max_title_chars=80, max_outlet_chars=40, max_url_chars=100, max_records=20, max_json_depth=5)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=300)


def load(data: bytes, suffix: str) -> list[RawArticle] | str:
    """The articles, or the error line (which must name the file and be one line)."""
    try:
        raws = load_bytes(data, suffix, "in/file" + suffix, "source", 100_000, LIMITS)
    except IngestError as exc:
        message = str(exc)
        assert message.startswith("in/file" + suffix + ": ") and "\n" not in message, message
        return message
    for raw in raws:
        assert LIMITS.check(raw) is raw
    return raws


@FAST
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUPPORTED_SUFFIXES))
def test_any_bytes_load_or_fail_in_one_line(data: bytes, suffix: str) -> None:
    load(data, suffix)


@FAST
@given(body=text, suffix=st.sampled_from(SUPPORTED_SUFFIXES))
def test_any_text_loads_or_fails_in_one_line(body: str, suffix: str) -> None:
    load(body.encode(), suffix)


scalar = st.one_of(text, st.integers(), st.none(), st.dates())
front_matter = st.dictionaries(st.sampled_from(["title", "outlet", "published", "url", "date", "tags"]), scalar, max_size=5)


@FAST
@given(meta=front_matter, story=text.filter(str.strip))
def test_front_matter_fields_come_back_or_are_refused(meta: dict, story: str) -> None:
    result = load(("---\n" + yaml.safe_dump(meta) + "---\n" + story).encode(), ".md")
    if isinstance(result, str):
        return
    [raw] = result
    title = meta.get("title")
    if title not in (None, "") and str(title).strip():
        assert raw.title == str(title).strip()
    if meta.get("outlet") not in (None, "") and str(meta["outlet"]).strip():
        assert raw.outlet == str(meta["outlet"]).strip()


@FAST
@given(names=st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4, unique=True))
def test_yaml_aliases_are_always_refused(names: list[str]) -> None:
    lines = [f"{n}: &{n} [x, y]" for n in names] + [f"title: *{names[-1]}"]
    result = load(("---\n" + "\n".join(lines) + "\n---\nA story.").encode(), ".md")
    assert isinstance(result, str) and "aliases" in result


record = st.fixed_dictionaries(
    {"text": text},
    optional={"title": st.one_of(text, st.integers(), st.lists(st.integers(), max_size=2)), "url": text, "outlet": text},
)


@FAST
@given(records=st.lists(record, min_size=1, max_size=25), suffix=st.sampled_from([".json", ".jsonl"]))
def test_json_records_load_in_order_or_are_refused(records: list[dict], suffix: str) -> None:
    data = "\n".join(json.dumps(r) for r in records) if suffix == ".jsonl" else json.dumps(records)
    result = load(data.encode(), suffix)
    if isinstance(result, str):
        return
    assert len(records) <= LIMITS.max_records
    assert [raw.body for raw in result] == [r["text"] for r in records]


@FAST
@given(depth=st.integers(1, 3000))
def test_json_nesting_is_capped_without_recursion_errors(depth: int) -> None:
    data = b'{"text": "A story.", "x": ' + b"[" * depth + b"]" * depth + b"}"
    result = load(data, ".json")
    assert isinstance(result, str) == (depth + 1 > LIMITS.max_json_depth)


@FAST
@given(html=st.lists(st.sampled_from(["<p>", "</p>", "<article>", "<h1>", "<meta property='og:title' content='T'>", "x. "]) | text))
def test_any_html_loads_or_fails_in_one_line(html: list[str]) -> None:
    load("".join(html).encode(), ".html")


@pytest.fixture(scope="module")
def splitter():  # noqa: ANN201 - the splitter's type is LangChain's
    return make_splitter(200, 40)


@FAST
@given(paragraphs=st.lists(text, min_size=1, max_size=6), title=st.none() | text)
def test_chunk_offsets_always_point_at_the_chunk(splitter, paragraphs: list[str], title: str | None) -> None:  # noqa: ANN001
    try:
        article = clean(RawArticle(source="s", body="\n\n".join(paragraphs), title=title or None))
    except InvalidInput:
        return  # nothing left after boilerplate: refused, not stored
    chunks = chunk_article(article, splitter)
    assert chunks and all(article.text[c.start : c.end] == c.text for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
