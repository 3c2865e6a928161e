"""``POST /v1/summarize``: a cited summary of some articles, or of all of them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from service.api.auth import require_api_key
from service.api.errors import error_responses
from service.api.schemas import CitationOut
from service.api.state import State
from service.chains.summarize import MAX_SENTENCES, Summary

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
    max_sentences: int | None = Field(None, ge=1, le=MAX_SENTENCES, description="Length budget: sentences per article (default 5).")


class BulletOut(BaseModel):
    text: str
    citations: list[int]
    outlets: list[str]
    scope: Literal["article", "all", "some", "only"] = Field(description="Which of the sources report it.")
    extracted: bool = Field(description="Quoted whole from the article rather than written.")


class DisagreementOut(BaseModel):
    outlets: list[str]
    citations: list[int] = Field(description="One citation per outlet: its own words.")


class SummaryResponse(BaseModel):
    text: str = Field(description="Markdown bullets with [n] markers that refer to citations.")
    article_ids: list[str]
    bullets: list[BulletOut]
    extracted: bool = Field(description="Nothing written survived the support check: the lead sentences, quoted.")
    note: str | None = Field(description="Why the summary is extracted or empty.")
    disagreements: list[DisagreementOut]
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
            bullets=[
                BulletOut(text=b.text, citations=b.citations, outlets=b.outlets, scope=b.scope, extracted=b.extracted)
                for b in s.bullets
            ],
            extracted=s.extracted,
            note=s.note,
            disagreements=[DisagreementOut(outlets=d.outlets, citations=d.citations) for d in s.disagreements],
            citations=[CitationOut.of(c) for c in s.citations],
            prompt_version=s.prompt_version,
            model=s.model,
            usage=s.usage,
            timings=s.timings,
        )


@router.post("/summarize", response_model=SummaryResponse)
async def summarize(body: SummarizeRequest, state: State) -> SummaryResponse:
    """Summarise whole articles; several articles give a cross-source summary (who reports what).

    A request that times out or goes away stops the summary at the model's next token.
    """
    summary = await state.gate.run(lambda stop: state.desk.summarizer().summarize(body.article_ids, body.max_sentences, stop))
    state.metrics.observe_generation(summary.usage, summary.timings)
    return SummaryResponse.of(summary)
