"""The FastAPI app factory: ``uvicorn --factory service.api.app:create_app`` or ``newsdesk serve``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from service.api.errors import install_error_handlers
from service.api.limits import BodyLimit
from service.api.metrics import MetricsMiddleware
from service.api.routes import articles, chat, completions, health, search, summarize
from service.api.state import ApiState
from service.api.web_policy import WebPolicy
from service.desk import Newsdesk
from service.settings import Settings, get_settings

# Every router the app serves; add one here to extend the API.
ROUTERS: tuple[APIRouter, ...] = (health.router, chat.router, completions.router, summarize.router, articles.router, search.router)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ApiState = app.state.api
    state.warmup.start()
    try:
        yield
    finally:
        await state.warmup.stop()
        state.gate.close()


def create_app(settings: Settings | None = None, desk: Newsdesk | None = None) -> FastAPI:
    """The API over ``desk`` (default: a Newsdesk on ``settings``, default: the environment's)."""
    desk = desk or Newsdesk(settings or get_settings())
    app = FastAPI(
        title="Newsdesk",
        summary="Answers questions about news articles, every claim cited to a verifiable quote.",
        version="0.1.0",
        lifespan=_lifespan,
    )
    app.state.api = ApiState.build(desk)
    install_error_handlers(app)
    s = desk.settings
    app.add_middleware(BodyLimit, max_bytes=s.max_request_bytes)
    if s.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=s.cors_origins, allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(WebPolicy, cors_origins=s.cors_origins, allowed_hosts=s.allowed_hosts)
    app.add_middleware(MetricsMiddleware, metrics=app.state.api.metrics)  # outermost: sees every response
    for router in ROUTERS:
        app.include_router(router)
    if desk.settings.slack_bot_token and desk.settings.slack_signing_secret:
        from service.slack import mount_slack  # Slack's SDK loads only when the bot is configured

        mount_slack(app, desk, desk.settings, gate=app.state.api.gate)
    return app
