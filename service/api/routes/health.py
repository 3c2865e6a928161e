"""Liveness, readiness, Prometheus metrics, and the chat page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel

from service.api.errors import ErrorBody, error_body
from service.api.state import State
from service.errors import NewsdeskError

router = APIRouter(tags=["operations"])
CHAT_PAGE = Path(__file__).resolve().parent.parent / "static" / "chat.html"


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    model: str
    checks: dict[str, str]


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up (it may still be loading the model: see /readyz)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Ready, responses={503: {"model": ErrorBody, "description": "not ready"}})
async def readyz(state: State) -> Ready | JSONResponse:
    """Ready to answer: the chat model is loaded and Chroma answers."""
    checks = {"model": state.warmup.describe()}
    state.warmup.start()  # after a failure: try again, in the background
    try:
        await run_in_threadpool(lambda: state.desk.store.ping())
        checks["store"] = "ok"
    except NewsdeskError as exc:
        checks["store"] = f"failed: {exc}"
    if any(v != "ok" for v in checks.values()):
        message = "not ready: " + "; ".join(f"{k} {v}" for k, v in checks.items() if v != "ok")
        return JSONResponse({**error_body("not_ready", message), "checks": checks}, status_code=503)
    return Ready(status="ready", model=state.settings.chat_model_name, checks=checks)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(state: State) -> Response:
    """Prometheus metrics of this process."""
    return Response(state.metrics.render(), media_type=state.metrics.content_type)


@router.get("/", response_class=FileResponse, include_in_schema=False)
def chat_page() -> FileResponse:
    return FileResponse(CHAT_PAGE, media_type="text/html")
