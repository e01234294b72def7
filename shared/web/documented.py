"""What a service's OpenAPI document says it answers: problems, security, and their headers.

One way for every route: ``responses=problems(404, 409)`` declares the refusals its use case
gives; the dependencies a route uses declare their own (``documents(401)`` on the bearer check,
``documents(429)`` on a rate limit, ``documents(503)`` on whatever reaches the database), and
``complete_document`` gathers them when the document is built. It also puts the problem schema
in place of FastAPI's default 422 (the kernel answers ``application/problem+json``), documents
400 "Malformed JSON" on every operation that takes a body, and says which operations need a
bearer token (``security``), which take one if given, and which are public.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"
BEARER = "HTTPBearer"
_MARK = "__alliance_problems__"
_OPTIONAL_AUTH = "__alliance_optional_auth__"

F = TypeVar("F", bound=Callable[..., Any])


class FieldError(BaseModel):
    field: str = Field(description="Where the bad value is, dotted (body fields by name)")
    message: str


class Problem(BaseModel):
    """An error as RFC 9457 problem details; ``errors`` names each bad field (422)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


DESCRIPTIONS = {
    400: "Malformed JSON: the body cannot be read as JSON",
    401: "No valid bearer token (WWW-Authenticate: Bearer)",
    403: "The caller may not do this",
    404: "Not found, or not visible to the caller",
    409: "The current state does not allow it",
    413: "The request body is too large",
    415: "The request body is of a media type the operation does not take",
    422: "Invalid input: errors names each field",
    429: "Too many requests from this address; try again after Retry-After seconds",
    503: "The database cannot be reached just now; nothing was changed. Retry after Retry-After",
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The authentication scheme: Bearer",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    503: {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


HTML = {"text/html": {"schema": {"type": "string"}}}


def problem_response(status: int, *, html: bool = False) -> dict[str, Any]:
    """The OpenAPI response object of one problem status (``html``: or a page saying it)."""
    entry: dict[str, Any] = {
        "description": DESCRIPTIONS.get(status, "Problem"),
        "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}, **(HTML if html else {})},
    }
    if status in _HEADERS:
        entry["headers"] = _HEADERS[status]
    return entry


def problems(*statuses: int, html: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for the problems an operation gives, in the problem schema.

    ``html=True`` for the routes of a form, which answer a browser's post with a page.
    """
    return {status: problem_response(status, html=html) for status in statuses}


def pages(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for refusals a form route answers with a page, not a problem."""
    return {
        status: {"description": DESCRIPTIONS.get(status, "Problem"), "content": HTML}
        for status in statuses
    }


def documents(*statuses: int, optional_auth: bool = False) -> Callable[[F], F]:
    """Mark a dependency with the problems it can answer, for every route that uses it."""

    def mark(dependency: F) -> F:
        setattr(dependency, _MARK, statuses)
        if optional_auth:
            setattr(dependency, _OPTIONAL_AUTH, True)
        return dependency

    return mark


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _api_routes(app: FastAPI) -> Iterator[Any]:
    """Every documented API route, with what the routers that include it add (FastAPI 0.130+
    keeps included routers whole and resolves them as route contexts)."""
    iterate = getattr(routing, "iter_route_contexts", None)
    for route in iterate(app.routes) if iterate else app.routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute) and route.include_in_schema:
            yield route


def _marked(route: Any) -> tuple[set[int], bool, bool]:
    """The problem statuses the route's dependencies declare; whether auth is needed/optional."""
    statuses: set[int] = set()
    required = optional = False
    for call in _calls(route.dependant):
        marked = getattr(call, _MARK, ())
        statuses.update(marked)
        if getattr(call, _OPTIONAL_AUTH, False):
            optional = True
        elif 401 in marked:
            required = True
    return statuses, required, optional


def _is_placeholder(media: dict[str, Any]) -> bool:
    """What FastAPI puts beside a declared response, or its default 422 body: not ours."""
    schema = media.get("schema", {})
    return not schema or schema.get("$ref", "").endswith("/HTTPValidationError")


def _set_problems(operation: dict[str, Any], statuses: Iterable[int]) -> None:
    responses = operation.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(str(status), problem_response(status))
    for status, response in responses.items():
        if not status.startswith(("4", "5")):
            continue
        content = {
            media: value
            for media, value in response.get("content", {}).items()
            if not _is_placeholder(value)
        }
        if not content:
            content[PROBLEM_JSON] = {"schema": _PROBLEM_REF}
        response["content"] = dict(sorted(content.items()))
        if int(status) in _HEADERS:
            response.setdefault("headers", _HEADERS[int(status)])
        if response.get("description") in ("Validation Error", "Problem", None, ""):
            response["description"] = DESCRIPTIONS.get(int(status), "Problem")
    operation["responses"] = dict(sorted(responses.items()))


def complete_document(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """Make ``document`` say what ``app`` answers (see the module's docstring)."""
    paths = document.get("paths", {})
    for route in _api_routes(app):
        item = paths.get(route.path_format, {})
        statuses, required, optional = _marked(route)
        for method in route.methods or ():
            operation = item.get(method.lower())
            if operation is None:
                continue
            found = set(statuses)
            if "requestBody" in operation:
                found.add(400)
            if required:
                operation["security"] = [{BEARER: []}]
            elif optional:
                operation["security"] = [{}, {BEARER: []}]
            else:
                operation.pop("security", None)
            _set_problems(operation, found)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (FieldError, Problem):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.pop("$defs", None)
        schemas[model.__name__] = schema
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document


def install_document(app: FastAPI) -> None:
    """Build ``app``'s OpenAPI document with ``complete_document`` (once, on first ask)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_document(app, build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
