"""``POST /v1/search``: the ranked chunks the retriever finds, with dense, sparse and fused scores (no model)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from service.api.auth import require_api_key
from service.api.errors import error_responses
from service.api.state import State
from service.retrieval.filters import Filters
from service.retrieval.search import SearchResult, search

router = APIRouter(
    prefix="/v1",
    tags=["search"],
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 413, 422, 503),
)


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, description="Words to look for; no model is involved.")
    filters: Filters | None = Field(None, description="The same filters as /v1/chat.")
    k: int = Field(10, ge=1, le=100, description="How many chunks to return.")


@router.post(
    "/search",
    response_model=SearchResult,
    description="Hybrid retrieval as chat uses it (dense + BM25, reciprocal-rank fusion), without the model: "
    "each chunk with its article, character offsets in the article's text and every score.",
)
def search_chunks(body: SearchRequest, state: State) -> SearchResult:  # sync: FastAPI runs it on its thread pool
    return search(state.desk.store, body.query, body.k, body.filters, state.settings.max_question_chars)
