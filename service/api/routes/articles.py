"""``/v1/articles``: ingest (JSON or a file upload), list, delete."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile

from service.api.auth import require_api_key
from service.api.errors import error_responses
from service.api.state import State
from service.errors import InvalidInput, NotFound
from service.ingest.loaders import load_bytes
from service.ingest.models import Article, RawArticle
from service.ingest.pipeline import IngestReport, StopCheck
from service.store.chroma import StoredArticle

log = logging.getLogger("newsdesk.api")

router = APIRouter(
    prefix="/v1/articles",
    tags=["articles"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 413, 422, 503),
)


class ArticleIn(BaseModel):
    """Field lengths are capped by the MAX_*_CHARS settings; an article over a cap is refused alone."""

    title: str = Field(min_length=1)
    text: str = Field(min_length=1, description="The article body.")
    outlet: str | None = None
    author: str | None = None
    published: str | None = Field(None, description="ISO date or date-time.")
    url: str | None = Field(None, description="The article's identity: the same URL with other content needs ?replace=true.")

    def raw(self) -> RawArticle:
        source = self.url or "api:" + hashlib.sha256(f"{self.title}\x1f{self.text}".encode()).hexdigest()[:16]
        return RawArticle(
            source=source,
            body=self.text,
            title=self.title,
            outlet=self.outlet,
            published=self.published,
            url=self.url,
            author=self.author,
        )


class IngestRequest(BaseModel):
    articles: list[ArticleIn] = Field(min_length=1, description="At most MAX_RECORDS_PER_UPLOAD.")


class ArticleRef(BaseModel):
    id: str
    title: str
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None

    @classmethod
    def of(cls, a: Article | StoredArticle) -> ArticleRef:
        return cls(id=a.id, title=a.title, outlet=a.outlet, published=a.published, url=a.url, author=a.author)


class StoredArticleOut(ArticleRef):
    source: str
    chunk_count: int

    @classmethod
    def of(cls, a: StoredArticle) -> StoredArticleOut:  # type: ignore[override]
        return cls(**ArticleRef.of(a).model_dump(), source=a.source, chunk_count=a.chunk_count)


class IngestResponse(BaseModel):
    added: list[ArticleRef]
    unchanged: list[ArticleRef]
    replaced: list[str] = Field(description="Ids of older versions removed by ?replace=true (same URL, or same file).")
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


def _labelled(raws: list[RawArticle], label: str | None = None) -> list[tuple[str, RawArticle]]:
    """Each article with the name its errors start with: the upload's name and record, or its title."""
    if label is not None:
        return [(label if len(raws) == 1 else f"{label} record {n}", r) for n, r in enumerate(raws, 1)]
    return [((r.title or r.source)[:80], r) for r in raws]


def _safe_name(filename: str | None) -> str:
    """The upload's base name, harmless to show; its extension picks the loader."""
    name = re.sub(r"[^\w.\- ]", "_", Path(filename or "").name).lstrip(".")
    return name or "upload.txt"


async def _watch_disconnect(request: Request, gone: threading.Event) -> None:
    while not gone.is_set():
        if await request.is_disconnected():
            gone.set()
            return
        await asyncio.sleep(0.2)


def _stop_check(gone: threading.Event, timeout_s: float) -> StopCheck:
    deadline = time.monotonic() + timeout_s

    def should_stop() -> str | None:
        if gone.is_set():
            return "the client disconnected"
        if time.monotonic() > deadline:
            return f"the {timeout_s:g}s limit per call was reached (NEWSDESK_INGEST_TIMEOUT_S)"
        return None

    return should_stop


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
async def ingest(
    request: Request,
    state: State,
    replace: Annotated[
        bool, Query(description="Replace the stored article with the same URL (or, without a URL, from the same file).")
    ] = False,
) -> IngestResponse:
    """Ingest articles sent as JSON, or one uploaded file; articles already stored are reported unchanged."""
    limits = state.desk.ingestor.limits
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            body = IngestRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False, include_input=False)) from None
        if len(body.articles) > limits.max_records:
            raise InvalidInput(
                f"{len(body.articles)} articles; the limit is {limits.max_records} per call (NEWSDESK_MAX_RECORDS_PER_UPLOAD)"
            )
        items = _labelled([a.raw() for a in body.articles])
    elif content_type == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInput("send the article file in the form field 'file'")
            name = _safe_name(upload.filename)
            data = await upload.read()
        raws = await run_in_threadpool(load_bytes, data, Path(name).suffix, name, f"upload:{name}", limits.max_file_bytes, limits)
        items = _labelled(raws, name)
    else:
        raise HTTPException(415, "send application/json (articles) or multipart/form-data (a file in field 'file')")
    gone = threading.Event()
    watcher = asyncio.create_task(_watch_disconnect(request, gone))
    try:
        should_stop = _stop_check(gone, state.settings.ingest_timeout_s)
        report = await run_in_threadpool(state.desk.ingestor.ingest_raws, items, replace, should_stop)
    finally:
        gone.set()
        watcher.cancel()
    if report.stopped:
        log.warning("ingest stopped (%s): %s", report.stopped, report.summary())
    if report.errors and not (report.added or report.unchanged):
        raise InvalidInput("; ".join(report.errors))
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
