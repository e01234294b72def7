"""Rendering brokerage pages: Jinja2 templates (autoescaped) on the kernel's layout, and the
CSRF token every page with a form carries (``shared.web.csrf``; the kernel sets the cookie)."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from services.brokerage.usecases.context import Context
from shared.web.csrf import FIELD, Csrf
from shared.web.pages import page_environment

HERE = Path(__file__).resolve().parent
SERVICE_NAME = "Request SLE support"
CSRF_FIELD = FIELD

templates = page_environment(HERE / "templates")


def render(name: str, /, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    html = templates.get_template(name).render(service_name=SERVICE_NAME, **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def with_form(request: Request, name: str, /, status: int = 200, **context: Any) -> HTMLResponse:
    """A page holding a form: it carries a CSRF token bound to the visitor's cookie."""
    return render(name, status, csrf_token=csrf_of(request).token(request), **context)


def csrf_of(request: Request) -> Csrf:
    return request.app.state.csrf


def context_of(request: Request) -> Context:
    return request.app.state.context


def submitted_token(form: Any) -> str | None:
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None
