"""Every error leaves the API as JSON ``{"error": {"code", "message"}}``, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from service.errors import NewsdeskError

log = logging.getLogger("newsdesk.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "busy",
    503: "unavailable",
    504: "timeout",
}


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def _describe_validation(errors: list[Any]) -> str:
    parts = []
    for e in errors[:5]:
        if e.get("type") == "json_invalid":
            parts.append(f"body is not valid JSON ({e.get('ctx', {}).get('error', 'decode error')})")
            continue
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "invalid request: " + "; ".join(parts) + more


def classify(exc: BaseException) -> tuple[int, str, str, dict[str, str]]:
    """(status, code, message, headers) for any exception; an unexpected one is logged, answered as a bare 500."""
    if isinstance(exc, NewsdeskError):
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return exc.status_code, exc.code, str(exc) or exc.code, headers
    if isinstance(exc, RequestValidationError):
        return 422, "invalid_request", _describe_validation(list(exc.errors())), {}
    if isinstance(exc, HTTPException):
        return exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail), dict(exc.headers or {})
    log.error("unexpected error", exc_info=exc)
    return 500, "internal_error", "internal error; the server log has the details", {}


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(exc: BaseException) -> JSONResponse:
    status, code, message, headers = classify(exc)
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(exc)


def install_error_handlers(app: FastAPI) -> None:
    for exc_type in (NewsdeskError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(exc_type, _handle)


def event_stream(description: str, events: list[str] | None = None) -> dict[int | str, dict[str, Any]]:
    """An OpenAPI 200 ``text/event-stream`` entry; the schema describes one event (JSON in ``data``)."""
    event: dict[str, Any] = {"type": "string"}
    if events:
        event["enum"] = events
    item = {
        "type": "object",
        "properties": {"event": event, "data": {"type": "string", "contentMediaType": "application/json"}},
        "required": ["data"],
    }
    return {200: {"description": description, "content": {"text/event-stream": {"schema": item}}}}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses, all with the one error body."""
    return {s: {"model": ErrorBody, "description": _HTTP_CODES.get(s, "error")} for s in statuses}
