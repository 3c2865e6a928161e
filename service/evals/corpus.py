"""The articles a run is scored against: resolves a dataset's sources to article ids and lints the gold set."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from service.evals.dataset import Dataset, DatasetError, SourceRef, SummaryItem
from service.evals.match import normalise, states_normalised
from service.ingest.loaders import iter_files, load_file
from service.store.chroma import ArticleStore


@dataclass(frozen=True)
class CorpusArticle:
    id: str
    outlet: str | None
    source: str
    text: str
    file: Path | None = None

    def named(self, name: str) -> bool:
        """An ``article:`` reference names this article by id, or by the name or stem of its source or file."""
        paths = [Path(self.source)] + ([self.file] if self.file else [])
        return name == self.id or any(name in (p.name, p.stem) for p in paths)


class Corpus:
    def __init__(self, articles: Iterable[CorpusArticle]) -> None:
        self.articles = {a.id: a for a in articles}
        self._norm: dict[str, str] = {}

    @classmethod
    def from_store(cls, store: ArticleStore, files: Path | None = None) -> Corpus:
        """The stored articles; ``files`` (the ingested corpus) lets sources name an article by its file
        even when the article's source is its URL."""
        by_source = _files_by_source(files) if files is not None else {}
        stored = (store.get_article(a.id) for a in store.list_articles())
        return cls(CorpusArticle(a.id, a.outlet, a.source, a.text, by_source.get(a.source)) for a in stored if a is not None)

    def text(self, article_id: str) -> str | None:
        article = self.articles.get(article_id)
        return article.text if article else None

    def normalised(self, article_id: str) -> str:
        if article_id not in self._norm:
            self._norm[article_id] = normalise(self.articles[article_id].text)
        return self._norm[article_id]

    def resolve(self, ref: SourceRef) -> set[str]:
        outlet = ref.outlet.casefold() if ref.outlet else None
        return {
            a.id
            for a in self.articles.values()
            if (outlet is None or (a.outlet or "").casefold() == outlet) and (ref.article is None or a.named(ref.article))
        }

    def resolve_all(self, refs: list[SourceRef]) -> set[str]:
        return set().union(*(self.resolve(r) for r in refs)) if refs else set()

    def check(self, dataset: Dataset) -> list[str]:
        """Raise when a source names no article; return warnings for facts their sources don't contain."""
        unknown: list[str] = []
        warnings: list[str] = []
        for item in dataset.items:
            refs = [(f"{item.id}/{f.id}", r) for f in item.facts for r in f.sources]
            if isinstance(item, SummaryItem) and item.articles is not None:
                refs += [(f"{item.id} articles", r) for r in item.articles]
            unknown += [f"{where}: source {ref} matches no article" for where, ref in refs if not self.resolve(ref)]
            for fact in item.facts:
                missing = [a for a in sorted(self.resolve_all(fact.sources)) if not states_normalised(self.normalised(a), fact)]
                warnings += [
                    f"{item.id}/{fact.id}: article {a} ({self.articles[a].outlet}) has no phrasing of {fact.label!r}"
                    for a in missing
                ]
        if unknown:
            outlets = ", ".join(sorted({a.outlet or "(none)" for a in self.articles.values()})) or "none"
            raise DatasetError(
                f"{dataset.path}: {len(unknown)} source(s) match nothing in the corpus "
                f"({len(self.articles)} articles; outlets: {outlets}):\n  - " + "\n  - ".join(unknown)
            )
        return warnings


def _files_by_source(corpus: Path) -> dict[str, Path]:
    """Each corpus file under the ``source`` its articles are stored with (their URL when they name one)."""
    found: dict[str, Path] = {}
    for path in iter_files([corpus]):
        for raw in load_file(path, max_bytes=path.stat().st_size + 1):
            found.setdefault(raw.source, path)
    return found
