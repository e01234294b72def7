"""The SLE's pages (their proposals to accept or decline, their deployments, logging a visit)
and the home-school head's (releasing their SLE). The same use cases as the JSON API, acting
with the hat brokerage's directory gives the signed-in person for that request."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from services.brokerage.api.schemas import Reason, VisitIn
from services.brokerage.domain.lifecycle import Action
from services.brokerage.usecases import deployments, parties, transitions
from services.brokerage.usecases.access import Caller
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.models import SupportRequestView
from services.brokerage.usecases.parties import PartyView
from services.brokerage.web.pages import context_of
from services.brokerage.web.request_page import show
from services.brokerage.web.signed import (
    RequestId,
    field_errors,
    form_of,
    head_hats,
    page,
    problem_text,
    refused,
    see,
    sle_hats,
    text,
)
from shared.errors import DomainError, Forbidden, Invalid, NotFound
from shared.identity import Identity, Principal
from shared.web.problems import status_of
from shared.web.signin import SignedIn

router = APIRouter(include_in_schema=False)

REASON = TypeAdapter(Reason)
VISIT_MESSAGES = {
    "visit_date": "Enter the date of the visit, like 2026-02-02",
    "days": "Enter the days: at least 0.5, in half days, like 1 or 0.5",
    "summary": "The notes must be plain text of up to 2,000 characters",
}
Pick = Callable[[PartyView], Principal | None]
Step = Callable[[Caller], Awaitable[SupportRequestView]]


async def _listing(
    request: Request,
    identity: Identity,
    hats: list[Principal],
    find: Callable[[Context, Principal], Awaitable[list[SupportRequestView]]],
    template: str,
    title: str,
    who: str,
) -> HTMLResponse:
    if not hats:
        return refused(request, identity, Forbidden(f"this page is for {who}"))
    ctx = context_of(request)
    found = [view for hat in hats for view in await find(ctx, hat)]
    return page(request, identity, template, title=title, requests=found)


@router.get("/my/proposals", response_class=HTMLResponse)
async def my_proposals(request: Request, identity: SignedIn) -> HTMLResponse:
    return await _listing(
        request,
        identity,
        sle_hats(identity),
        parties.proposals_for,
        "proposals.html",
        "My proposals",
        "SLEs in an alliance's directory",
    )


@router.get("/my/deployments", response_class=HTMLResponse)
async def my_deployments(request: Request, identity: SignedIn) -> HTMLResponse:
    return await _listing(
        request,
        identity,
        sle_hats(identity),
        parties.deployments_for,
        "deployments.html",
        "My deployments",
        "SLEs in an alliance's directory",
    )


@router.get("/my/releases", response_class=HTMLResponse)
async def my_releases(request: Request, identity: SignedIn) -> HTMLResponse:
    return await _listing(
        request,
        identity,
        head_hats(identity),
        parties.releases_for,
        "releases.html",
        "Releasing your SLEs",
        "heads of an SLE's home school",
    )


async def _as_party(
    request: Request,
    identity: Identity,
    request_id: UUID,
    pick: Pick,
    step: Step,
    done: str,
    back: str | None = None,
) -> Response:
    """Do ``step`` with the hat ``pick`` chooses for this request; back to its page."""
    try:
        view = await parties.request_for(context_of(request), request_id, identity.principals)
        hat = pick(view)
        if hat is None:
            raise Forbidden("you have no part in this step of the request")
        await step(Caller(hat))
    except (Forbidden, NotFound) as exc:
        return refused(request, identity, exc)
    except DomainError as exc:
        problem = problem_text(exc)
        return await show(request, identity, request_id, status=status_of(exc), problem=problem)
    return see(back or f"/requests/{request_id}?done={done}")


def _the_sle(view: PartyView) -> Principal | None:
    return view.sle


def _sle_or_staff(view: PartyView) -> Principal | None:
    return view.sle or view.staff


def _the_head(view: PartyView) -> Principal | None:
    return view.home_head


@router.post("/requests/{request_id}/accept", response_class=HTMLResponse)
async def accept(request: Request, request_id: RequestId, identity: SignedIn) -> Response:
    await form_of(request)
    ctx = context_of(request)
    return await _as_party(
        request,
        identity,
        request_id,
        _the_sle,
        lambda c: transitions.confirm(ctx, request_id, c, Action.SLE_ACCEPT),
        "accepted",
    )


@router.post("/requests/{request_id}/release", response_class=HTMLResponse)
async def release(request: Request, request_id: RequestId, identity: SignedIn) -> Response:
    await form_of(request)
    ctx = context_of(request)
    return await _as_party(
        request,
        identity,
        request_id,
        _the_head,
        lambda c: transitions.confirm(ctx, request_id, c, Action.HOME_RELEASE),
        "released",
    )


async def _decline_page(
    request: Request, identity: Identity, request_id: UUID, status: int = 200, **extra: Any
) -> HTMLResponse:
    try:
        view = await parties.request_for(context_of(request), request_id, identity.principals)
        if view.sle is None:
            raise Forbidden("only the proposed SLE can decline this request")
    except DomainError as exc:
        return refused(request, identity, exc)
    return page(
        request,
        identity,
        "confirm.html",
        status=status,
        request=view.request,
        title="Decline this request?",
        paragraphs=[
            "The coordinator will look for another SLE, and you will not be proposed for "
            "this request again."
        ],
        action=f"/requests/{request_id}/decline",
        ask_reason=True,
        reason_label="Why are you declining? (optional, the coordinator and school see it)",
        button="Yes, decline",
        warning=True,
        **extra,
    )


@router.get("/requests/{request_id}/decline", response_class=HTMLResponse)
async def ask_decline(request: Request, request_id: RequestId, identity: SignedIn) -> HTMLResponse:
    return await _decline_page(request, identity, request_id)


@router.post("/requests/{request_id}/decline", response_class=HTMLResponse)
async def decline(request: Request, request_id: RequestId, identity: SignedIn) -> Response:
    form = await form_of(request)
    reason = text(form, "reason")
    try:
        kept = REASON.validate_python(reason) or None
    except ValidationError:
        errors = {"reason": "The reason must be plain text of up to 2,000 characters"}
        return await _decline_page(
            request, identity, request_id, 422, errors=errors, values={"reason": reason}
        )
    ctx = context_of(request)
    return await _as_party(
        request,
        identity,
        request_id,
        _the_sle,
        lambda c: transitions.decline(ctx, request_id, c, kept),
        "declined",
        back="/my/proposals",
    )


async def _visit_page(
    request: Request, identity: Identity, request_id: UUID, status: int = 200, **extra: Any
) -> HTMLResponse:
    try:
        view = await parties.request_for(context_of(request), request_id, identity.principals)
        if _sle_or_staff(view) is None:
            raise Forbidden("only the SLE or the alliance's staff can log a visit")
    except DomainError as exc:
        return refused(request, identity, exc)
    return page(
        request,
        identity,
        "visit.html",
        status=status,
        title="Log a visit",
        request=view.request,
        **extra,
    )


@router.get("/requests/{request_id}/visits/new", response_class=HTMLResponse)
async def new_visit(request: Request, request_id: RequestId, identity: SignedIn) -> HTMLResponse:
    return await _visit_page(request, identity, request_id)


@router.post("/requests/{request_id}/visits", response_class=HTMLResponse)
async def log_visit(request: Request, request_id: RequestId, identity: SignedIn) -> Response:
    form = await form_of(request)
    values = {name: text(form, name) for name in VISIT_MESSAGES}
    try:
        visit = VisitIn.model_validate({k: v for k, v in values.items() if v}).to_input()
    except ValidationError as exc:
        errors = field_errors(exc, VISIT_MESSAGES)
        return await _visit_page(request, identity, request_id, 422, errors=errors, values=values)
    ctx = context_of(request)
    try:
        view = await parties.request_for(ctx, request_id, identity.principals)
        hat = _sle_or_staff(view)
        if hat is None:
            raise Forbidden("only the SLE or the alliance's staff can log a visit")
        await deployments.log_visit(ctx, request_id, Caller(hat), visit)
    except (Forbidden, NotFound) as exc:
        return refused(request, identity, exc)
    except Invalid as exc:
        errors = {e["field"]: e["message"] for e in exc.errors} or {"visit_date": exc.detail}
        errors = {k: v[:1].upper() + v[1:] for k, v in errors.items()}
        return await _visit_page(request, identity, request_id, 422, errors=errors, values=values)
    except DomainError as exc:
        return await _visit_page(
            request,
            identity,
            request_id,
            status_of(exc),
            problem=problem_text(exc),
            values=values,
        )
    return see(f"/requests/{request_id}?done=visit")
