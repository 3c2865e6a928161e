import json
from pathlib import Path

import pytest

from service.ingest.loaders import IngestError, load_file

MAX = 1_000_000


def test_plain_text_title_is_first_line(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("The title\n\nFirst paragraph.\nSecond.")
    [raw] = load_file(f, MAX)
    assert raw.title == "The title" and raw.body.strip().startswith("First paragraph.")


def test_markdown_front_matter_gives_metadata(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text("---\ntitle: T\noutlet: Daily Planet\npublished: 2023-06-18\nurl: https://x.test/a\n---\nBody text.")
    [raw] = load_file(f, MAX)
    assert (raw.title, raw.outlet, raw.published, raw.source) == ("T", "Daily Planet", "2023-06-18", "https://x.test/a")


def test_html_uses_meta_tags_and_paragraphs(tmp_path: Path) -> None:
    f = tmp_path / "a.html"
    f.write_text(
        '<html><head><meta property="og:title" content="Headline"><meta property="og:site_name" content="Planet">'
        '<meta property="article:published_time" content="2023-06-18T10:00:00Z"><meta name="author" content="Jane Roe">'
        "</head><body><nav>Menu</nav><article><p>One.</p><p>Two.</p></article><footer>Copyright</footer></body></html>"
    )
    [raw] = load_file(f, MAX)
    assert raw.title == "Headline" and raw.outlet == "Planet" and raw.published.startswith("2023-06-18")
    assert raw.author == "Jane Roe"
    assert raw.body.splitlines() == ["One.", "Two."] and "Menu" not in raw.body


def test_html_news_page_keeps_the_story_and_drops_the_furniture(tmp_path: Path) -> None:
    story = [f"Paragraph {i}: the harbour board approved {i * 10} new berths on Monday, the chair said." for i in range(8)]
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Berths approved | Harbour Times</title>"
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
        ' "headline": "Berths approved",'
        ' "datePublished": "2024-03-05", "author": {"@type": "Person", "name": "Ana Lopes"}}</script></head><body>'
        "<header><a href='/'>Home</a> <a href='/sport'>Sport</a></header>"
        "<main><article><h1>Berths approved</h1>" + "".join(f"<p>{p}</p>" for p in story) + "</article>"
        "<aside><h2>Most read</h2><ul><li><a href='/x'>Celebrity gossip</a></li></ul></aside>"
        "<section class='comments'><p>Great article!!! - troll42</p></section></main>"
        "<footer>Copyright 2024 Harbour Times. Subscribe now.</footer></body></html>"
    )
    [raw] = load_file(f, MAX)
    assert (raw.title, raw.published, raw.author) == ("Berths approved", "2024-03-05", "Ana Lopes")
    assert raw.body.splitlines() == story


@pytest.mark.parametrize(
    ("dateline", "published"),
    [
        ("Published 18 June 2023", "2023-06-18"),
        ("June 18, 2023 10:42 am", "2023-06-18"),
        ("Updated: 2023-06-18T10:00:00Z", "2023-06-18"),
    ],
)
def test_a_dateline_under_the_title_becomes_published(tmp_path: Path, dateline: str, published: str) -> None:
    f = tmp_path / "a.txt"
    f.write_text(f"The title\n\n{dateline}\n\nFirst paragraph of 2023.\n")
    [raw] = load_file(f, MAX)
    assert raw.published == published and dateline not in raw.body and "First paragraph of 2023." in raw.body


def test_a_date_inside_the_story_is_not_a_dateline(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("The title\n\nThe treaty signed on 18 June 2023 took effect in 2024 after long talks between them.\n")
    assert load_file(f, MAX)[0].published is None


def test_jsonl_records(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    rows = [{"title": "A", "text": "Body A.", "outlet": "X", "url": "u1"}, {"title": "B", "body": "Body B."}]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    a, b = load_file(f, MAX)
    assert (a.title, a.outlet, a.source) == ("A", "X", "u1") and b.body == "Body B."


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"   \n", "empty file"),
        ("bin.txt", b"\x00\x01\x02binary", "binary file"),
        ("latin.txt", "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("a.pdf", b"%PDF", "unsupported extension"),
        ("bad.json", b"{not json", "invalid JSON"),
        ("norec.json", b'[{"title": "x"}]', "has no text"),
    ],
)
def test_bad_files_raise_one_line_error_naming_the_file(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(IngestError) as exc:
        load_file(f, MAX)
    assert str(f) in str(exc.value) and message in str(exc.value) and "\n" not in str(exc.value)


def test_oversized_and_missing_files(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * 200)
    with pytest.raises(IngestError, match="over the 100-byte limit"):
        load_file(big, 100)
    with pytest.raises(IngestError, match="no such file"):
        load_file(tmp_path / "missing.txt", MAX)
