"""Article text and metadata from an HTML page, by trafilatura (main-text extraction, title, author, date)."""

from __future__ import annotations

import re

import lxml.etree
import lxml.html
import trafilatura

from service.errors import InvalidInput
from service.ingest.models import RawArticle

_SCRIPT_EDGES = re.compile(r"<(/?)(script|style)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# Scripts other than JSON-LD metadata carry no story, and trafilatura scans them slowly (1.3 s for 3 MB).
_SCRIPTS = lxml.etree.XPath("//style | //script[not(@type='application/ld+json') or string-length(.) > 50000]")


def visible_chars(html: str) -> int:
    """About how many characters of text a page shows (tags, scripts and styles left out), in linear time."""
    total, pos, closing = 0, 0, None
    for match in _SCRIPT_EDGES.finditer(html):
        name, is_close = match.group(2).lower(), match.group(1) == "/"
        if closing is None and not is_close:
            total += len(_TAG.sub("", html[pos : match.start()]))
            closing = name
        elif closing == name and is_close:
            pos, closing = match.end(), None
    return total + (len(_TAG.sub("", html[pos:])) if closing is None else 0)


def extract_html(text: str, source: str, max_text_chars: int) -> RawArticle:
    """The story's paragraphs without navigation, headers, footers, comments or scripts; its metadata.

    Parsing and extraction cost microseconds per character of page text, so a page with more text
    than an article may hold is refused by a linear scan before either runs.
    """
    if (page_chars := visible_chars(text)) > max_text_chars:
        raise InvalidInput(
            f"the page has {page_chars} characters of text; the limit is {max_text_chars} (NEWSDESK_MAX_RECORD_CHARS)"
        )
    try:
        tree = lxml.html.fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InvalidInput(f"not an HTML page ({exc})") from None
    for script in _SCRIPTS(tree):
        script.drop_tree()
    doc = trafilatura.bare_extraction(tree, with_metadata=True, favor_precision=True, include_comments=False, include_tables=False)
    if doc is None or not (doc.text or "").strip():
        raise InvalidInput("no article text found in the page")
    lines = doc.text.splitlines()
    if doc.title and lines and lines[0].strip() == doc.title.strip():  # the headline is the title, not the story
        lines = lines[1:]
    return RawArticle(
        source=doc.url or source,
        body="\n".join(lines),
        title=doc.title or None,
        outlet=doc.sitename or None,
        published=doc.date or None,
        url=doc.url or None,
        author=doc.author or None,
    )
