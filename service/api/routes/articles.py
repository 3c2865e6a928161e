"""``/v1/articles``: ingest (JSON or a file upload), list, delete."""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile

from service.api.auth import require_api_key
from service.api.errors import error_responses
from service.api.state import State
from service.errors import InvalidInput, NotFound
from service.ingest.loaders import load_file
from service.ingest.models import Article, RawArticle
from service.ingest.pipeline import Ingestor, IngestReport
from service.store.chroma import StoredArticle

router = APIRouter(
    prefix="/v1/articles",
    tags=["articles"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 413, 422, 503),
)


class ArticleIn(BaseModel):
    title: str = Field(min_length=1, max_length=1000)
    text: str = Field(min_length=1, description="The article body.")
    outlet: str | None = Field(None, max_length=200)
    published: str | None = Field(None, description="ISO date or date-time.", max_length=40)
    url: str | None = Field(None, max_length=2000, description="Re-sending the same URL replaces the older version.")

    def raw(self) -> RawArticle:
        source = self.url or "api:" + hashlib.sha256(f"{self.title}\x1f{self.text}".encode()).hexdigest()[:16]
        return RawArticle(
            source=source, body=self.text, title=self.title, outlet=self.outlet, published=self.published, url=self.url
        )


class IngestRequest(BaseModel):
    articles: list[ArticleIn] = Field(min_length=1, max_length=100)


class ArticleRef(BaseModel):
    id: str
    title: str
    outlet: str | None = None
    published: str | None = None
    url: str | None = None

    @classmethod
    def of(cls, a: Article | StoredArticle) -> ArticleRef:
        return cls(id=a.id, title=a.title, outlet=a.outlet, published=a.published, url=a.url)


class StoredArticleOut(ArticleRef):
    source: str
    chunk_count: int

    @classmethod
    def of(cls, a: StoredArticle) -> StoredArticleOut:  # type: ignore[override]
        return cls(**ArticleRef.of(a).model_dump(), source=a.source, chunk_count=a.chunk_count)


class IngestResponse(BaseModel):
    added: list[ArticleRef]
    unchanged: list[ArticleRef]
    replaced: list[str] = Field(description="Ids of older versions (same source) that were removed.")
    errors: list[str]
    chunks_written: int
    seconds: float

    @classmethod
    def of(cls, r: IngestReport) -> IngestResponse:
        return cls(
            added=[ArticleRef.of(a) for a in r.added],
            unchanged=[ArticleRef.of(a) for a in r.unchanged],
            replaced=r.replaced,
            errors=r.errors,
            chunks_written=r.chunks_written,
            seconds=r.seconds,
        )


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its ``$defs`` inlined, to embed in ``openapi_extra``."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items()}
        return [resolve(v) for v in node] if isinstance(node, list) else node

    return resolve(schema)


_UPLOAD_SCHEMA = {
    "type": "object",
    "properties": {"file": {"type": "string", "format": "binary", "description": ".txt .md .html .json .jsonl"}},
    "required": ["file"],
}


def _ingest(ingestor: Ingestor, raws: list[RawArticle]) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    for raw in raws:
        try:
            ingestor.ingest_raw(raw, report)
        except InvalidInput as exc:
            report.errors.append(f"{raw.title or raw.source}: {exc}")
    if report.errors and not (report.added or report.unchanged):
        raise InvalidInput("; ".join(report.errors))
    report.seconds = time.perf_counter() - started
    return report


def _safe_name(filename: str | None) -> str:
    """The upload's base name, harmless as a file name; its extension picks the loader."""
    name = re.sub(r"[^\w.\- ]", "_", Path(filename or "").name).lstrip(".")
    return name or "upload.txt"


def _load_upload(name: str, data: bytes, max_bytes: int) -> list[RawArticle]:
    """Articles in an uploaded file, read by the same loaders as ``newsdesk ingest``; sources name the upload."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            raws = load_file(path, max_bytes)
        except InvalidInput as exc:
            raise InvalidInput(str(exc).replace(str(path), name)) from None
    return [replace(r, source=r.source.replace(str(path), f"upload:{name}")) for r in raws]


@router.post(
    "",
    response_model=IngestResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _inline(IngestRequest.model_json_schema())},
                "multipart/form-data": {"schema": _UPLOAD_SCHEMA},
            },
        }
    },
    responses=error_responses(400, 415),
)
async def ingest(request: Request, state: State) -> IngestResponse:
    """Ingest articles sent as JSON, or one uploaded file; unchanged articles are skipped."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            body = IngestRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False, include_input=False)) from None
        raws = [a.raw() for a in body.articles]
    elif content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInput("send the article file in the form field 'file'")
            name = _safe_name(upload.filename)
            data = await upload.read()
        raws = await run_in_threadpool(_load_upload, name, data, state.settings.max_file_bytes)
    else:
        raise HTTPException(415, "send application/json (articles) or multipart/form-data (a file in field 'file')")
    report = await run_in_threadpool(_ingest, state.desk.ingestor, raws)
    return IngestResponse.of(report)


@router.get("", response_model=list[StoredArticleOut])
def list_articles(state: State) -> list[StoredArticleOut]:
    return [StoredArticleOut.of(a) for a in state.desk.store.list_articles()]


@router.delete("/{article_id}", status_code=204, responses=error_responses(404))
def delete_article(article_id: str, state: State) -> Response:
    """Remove an article and its chunks."""
    if not state.desk.store.delete(article_id):
        raise NotFound(f"no article with id {article_id!r}")
    return Response(status_code=204)
