"""Article text and metadata from an HTML page."""

from __future__ import annotations

import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from service.ingest.models import RawArticle


def extract_html(text: str, source: str) -> RawArticle:
    """``og:*``/``article:*`` metadata and the ``<p>`` text of ``<article>``, page furniture dropped."""
    with warnings.catch_warnings():  # a short page can look like a file name to bs4; it is a page
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
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
        source=url or source,
        body="\n\n".join(p for p in paragraphs if p),
        title=title.strip() if title else None,
        outlet=meta("og:site_name", "publisher"),
        published=meta("article:published_time", "date", "pubdate"),
        url=url,
    )
