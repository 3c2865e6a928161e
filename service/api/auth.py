"""Bearer API keys: required on /v1 routes when ``settings.api_keys`` is set."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.api.state import State

_bearer = HTTPBearer(auto_error=False, description="One of the keys in NEWSDESK_API_KEYS, when that is set.")


def require_api_key(state: State, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    keys = state.settings.api_keys
    if not keys:
        return
    if credentials is None:
        raise HTTPException(401, "missing API key: send 'Authorization: Bearer <key>'", {"WWW-Authenticate": "Bearer"})
    given = credentials.credentials.encode()
    if not any(secrets.compare_digest(given, k.get_secret_value().encode()) for k in keys):
        raise HTTPException(401, "invalid API key", {"WWW-Authenticate": "Bearer"})
