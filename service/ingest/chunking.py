"""Split a cleaned article into chunks on sentence boundaries, keeping character offsets."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from service.ingest.models import Article, Chunk

# Paragraphs first, then sentence ends (optionally followed by a closing quote), then words.
_SEPARATORS = [r"\n\n+", r"(?<=[.!?])\s+|(?<=[.!?][\"”’])\s+", r"\s+", ""]


def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        separators=_SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        add_start_index=True,
    )


def chunk_article(article: Article, splitter: RecursiveCharacterTextSplitter) -> list[Chunk]:
    """Chunks whose ``article.text[start:end] == text`` holds by construction."""
    chunks = []
    for index, doc in enumerate(splitter.create_documents([article.text])):
        start = doc.metadata["start_index"]
        end = start + len(doc.page_content)
        if article.text[start:end] != doc.page_content:  # the splitter located it wrongly
            start = article.text.index(doc.page_content)
            end = start + len(doc.page_content)
        chunks.append(Chunk(article_id=article.id, index=index, start=start, end=end, text=doc.page_content))
    return chunks
