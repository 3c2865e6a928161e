"""Errors a user can act on; each maps to one HTTP status and a one-line message."""

from __future__ import annotations


class NewsdeskError(Exception):
    status_code = 500
    code = "internal_error"


class InvalidInput(NewsdeskError, ValueError):
    status_code = 422
    code = "invalid_input"


class NotFound(NewsdeskError, LookupError):
    status_code = 404
    code = "not_found"


class Unavailable(NewsdeskError):
    """A dependency (the model, Chroma) is down or failing."""

    status_code = 503
    code = "unavailable"


class TimedOut(NewsdeskError, TimeoutError):
    status_code = 504
    code = "timeout"


class Busy(NewsdeskError):
    status_code = 429
    code = "busy"
