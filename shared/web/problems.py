"""Errors as ``application/problem+json`` (RFC 9457), with field-level detail for bad input."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Unauthenticated,
)
from shared.storage.outage import is_outage

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(DomainError):
    """A refusal only HTTP knows (rate limits, media types); it carries its own status."""

    status = 400
    title = "Bad request"


class TooManyRequests(Problem):
    status = 429
    title = "Too many requests"


_STATUS_OF: tuple[tuple[type[DomainError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Invalid, 422),
)


def status_of(exc: DomainError) -> int:
    if isinstance(exc, Problem):
        return exc.status
    for kind, status in _STATUS_OF:
        if isinstance(exc, kind):
            return status
    return 400


# The kernel's domain errors under their former HTTP names, while callers move to shared.errors.
Unauthorized = Unauthenticated
Unprocessable = Invalid


RETRY_AFTER_S = {429: 60, 503: 5}
"""When a client may try again, unless the refusal says: every 429 and 503 carries it."""


def problem_response(
    status: int,
    title: str,
    detail: str,
    instance: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body["instance"] = instance
    body.update(extra)
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status in RETRY_AFTER_S:
        headers["Retry-After"] = str(extra.get("retry_after_s") or RETRY_AFTER_S[status])
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    fields = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body",)]
        fields.append({"field": ".".join(loc) or "body", "message": error.get("msg", "invalid")})
    return fields


def is_data_exception(exc: DBAPIError) -> bool:
    """PostgreSQL class 22 (data exception): the input, not the server, is at fault."""
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str) and state.startswith("22"):
            return True
    return False


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (Starlette names only the first route's)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]
    return ", ".join(allowed)


FASTAPI_UNREADABLE_BODY = "There was an error parsing the body"
"""FastAPI's 400 for a body it could not even decode (not UTF-8, say)."""


def malformed_json(request: Request) -> JSONResponse:
    """A body that is not JSON at all: always 400, whatever failed to read it."""
    return problem_response(
        400,
        "Malformed JSON",
        "The request body is not valid JSON.",
        request.url.path,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_refusal(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            status_of(exc), exc.title, exc.detail, request.url.path, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if any(error.get("type") == "json_invalid" for error in exc.errors()):
            return malformed_json(request)
        errors = field_errors(list(exc.errors()))
        return problem_response(
            422,
            "Invalid request",
            f"{len(errors)} field(s) are invalid",
            request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == FASTAPI_UNREADABLE_BODY:
            return malformed_json(request)
        title = {404: "Not found", 405: "Method not allowed", 413: "Content too large"}.get(
            exc.status_code, "Error"
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
        return problem_response(
            exc.status_code, title, str(exc.detail), request.url.path, headers=headers
        )

    @app.exception_handler(DBAPIError)
    async def on_database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if not is_data_exception(exc):
            return await on_crash(request, exc)
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "invalid value"
        return problem_response(
            422,
            "Invalid request",
            f"A value cannot be stored: {reason.split(': ', 1)[-1][:200]}",
            request.url.path,
        )

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        if is_outage(exc):
            log.error("database unreachable", extra={"error": f"{type(exc).__name__}: {exc}"})
            return problem_response(
                503,
                "Service unavailable",
                "The service cannot reach its database just now; nothing was changed. "
                "Try again shortly.",
                request.url.path,
            )
        log.exception("unhandled error")
        return problem_response(
            500, "Internal error", "Something went wrong on our side.", request.url.path
        )

    # Registered by type as well, so that they are answered here rather than re-raised past the
    # app by Starlette's catch-all for ``Exception``; ``on_crash`` tells an outage from a bug.
    for kind in (SQLAlchemyError, TimeoutError, OSError):
        app.add_exception_handler(kind, on_crash)
