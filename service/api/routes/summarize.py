"""``POST /v1/summarize``: a cited summary of some articles, or of all of them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from service.api.auth import require_api_key
from service.api.errors import error_responses
from service.api.schemas import CitationOut
from service.api.state import State
from service.chains.summarize import Summary

router = APIRouter(
    prefix="/v1",
    tags=["summaries"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 404, 413, 422, 429, 503, 504),
)


class SummarizeRequest(BaseModel):
    article_ids: list[str] | None = Field(
        None, min_length=1, max_length=100, description="Articles to summarise; omit for all stored articles."
    )


class BulletOut(BaseModel):
    text: str
    citations: list[int]
    outlets: list[str]
    scope: Literal["article", "all", "some", "only"] = Field(description="Which of the sources report it.")


class SummaryResponse(BaseModel):
    text: str = Field(description="Markdown bullets with [n] markers that refer to citations.")
    article_ids: list[str]
    bullets: list[BulletOut]
    citations: list[CitationOut]
    prompt_version: str
    model: str
    usage: dict[str, int]
    timings: dict[str, float]

    @classmethod
    def of(cls, s: Summary) -> SummaryResponse:
        return cls(
            text=s.text,
            article_ids=s.article_ids,
            bullets=[BulletOut(text=b.text, citations=b.citations, outlets=b.outlets, scope=b.scope) for b in s.bullets],
            citations=[CitationOut.of(c) for c in s.citations],
            prompt_version=s.prompt_version,
            model=s.model,
            usage=s.usage,
            timings=s.timings,
        )


@router.post("/summarize", response_model=SummaryResponse)
async def summarize(body: SummarizeRequest, state: State) -> SummaryResponse:
    """Summarise whole articles; several articles give a cross-source summary (who reports what)."""
    summary = await state.gate.run(lambda _stop: state.desk.summarizer().summarize(body.article_ids))
    state.metrics.observe_generation(summary.usage, summary.timings)
    return SummaryResponse.of(summary)
