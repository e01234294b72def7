"""What every signed-in brokerage page shares: who the person is here (their hats, from
brokerage's own data), the header with the links their hats open, rendering on the kernel's
layout, the CSRF check of every form, and refusals as pages rather than JSON."""

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.brokerage.web.pages import csrf_of, templates
from services.brokerage.web.wording import HELPERS
from shared.errors import DomainError, Forbidden, NotFound
from shared.identity import Identity, Principal, Role
from shared.web.problems import status_of
from shared.web.signin import here, identity_of, signout_token

SERVICE_NAME = "SLE brokerage"
STAFF = (Role.COORDINATOR, Role.ALLIANCE_ADMIN)
TITLES = {403: "You cannot do this", 404: "Page not found", 409: "Not possible now"}


def staff_hats(identity: Identity) -> list[Principal]:
    return [p for p in identity.principals if p.has(*STAFF)]


def sle_hats(identity: Identity) -> list[Principal]:
    return [p for p in identity.principals if p.has(Role.SLE)]


def head_hats(identity: Identity) -> list[Principal]:
    return [p for p in identity.principals if p.has(Role.SCHOOL_LEAD) and p.school_urn]


def nav(identity: Identity) -> list[tuple[str, str]]:
    links = [("/", "Start")]
    if staff_hats(identity):
        links += [("/requests", "Support requests"), ("/directory", "SLE directory")]
    if sle_hats(identity):
        links += [("/my/proposals", "My proposals"), ("/my/deployments", "My deployments")]
    if head_hats(identity):
        links.append(("/my/releases", "Releases"))
    return links


def page(
    request: Request, identity: Identity, name: str, /, status: int = 200, **context: Any
) -> HTMLResponse:
    """A signed-in page: the header's links, the sign-out form and a CSRF token for forms."""
    context.setdefault("errors", {})
    context.setdefault("values", {})
    html = templates.get_template(name).render(
        service_name=SERVICE_NAME,
        service_home="/",
        person=identity.person,
        nav=nav(identity),
        current=request.url.path,
        signout_token=signout_token(request),
        csrf_token=csrf_of(request).token(request),
        **HELPERS,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def refused(request: Request, identity: Identity, exc: DomainError) -> HTMLResponse:
    """A use case's refusal of a page: the same status as the API's, said in words."""
    status = status_of(exc)
    return page(
        request,
        identity,
        "signed_message.html",
        status=status,
        title=TITLES.get(status, "There is a problem"),
        paragraphs=[_sentence(exc.detail)],
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class FormExpired(Forbidden):
    """A form whose CSRF token does not hold: answered with a page (``form_expired``)."""


async def form_of(request: Request) -> Mapping[str, Any]:
    """The posted form, once its CSRF token proves it came from one of our pages."""
    form = await request.form()
    token = form.get("csrf_token")
    if not csrf_of(request).is_valid(request, token if isinstance(token, str) else None):
        raise FormExpired(
            "the form has expired or did not come from this site: go back, reload the page "
            "and try again"
        )
    return form


class NoSuchPage(NotFound):
    """A page address that names nothing (an id that is not one): a 404 page."""


def _id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise NoSuchPage("there is no such page: check the address") from None


async def _request_id(request_id: str) -> UUID:
    return _id(request_id)


async def _sle_id(sle_id: str) -> UUID:
    return _id(sle_id)


RequestId = Annotated[UUID, Depends(_request_id)]
SleId = Annotated[UUID, Depends(_sle_id)]

PAGE_REFUSALS = (FormExpired, NoSuchPage)


async def refused_page(request: Request, exc: Exception) -> Response:
    """The exception handler of ``PAGE_REFUSALS``: a page with their status, nothing changed."""
    identity = await identity_of(request)
    if identity is None:
        return see(f"/signin?next={quote(here(request), safe='/')}")
    assert isinstance(exc, DomainError)
    return refused(request, identity, exc)


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def field_errors(exc: ValidationError, messages: Mapping[str, str]) -> dict[str, str]:
    """Pydantic's errors as one message per field, in the order ``messages`` lists them."""
    failed: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc") or ("",)
        name = str(loc[0])
        failed.setdefault(name, messages.get(name) or _sentence(error.get("msg", "Invalid")))
    ordered = {name: failed[name] for name in messages if name in failed}
    ordered.update({k: v for k, v in failed.items() if k not in ordered})
    return ordered


def problem_text(exc: DomainError) -> str:
    return _sentence(exc.detail)


def see(path: str) -> RedirectResponse:
    """After a change: back to a page (post/redirect/get), so a reload does not repeat it."""
    return RedirectResponse(path, status_code=303)
