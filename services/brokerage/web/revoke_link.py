"""A coordinator cancels the school's private link to one request (the school can then ask for
a fresh one, which goes to the request's contact email only). A confirmation page and a POST
with CSRF; the coordinators' request page (``/requests/{id}``) links here."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from services.brokerage.usecases import reading, school_link
from services.brokerage.usecases.links import FRESH_LINK_PATH
from services.brokerage.web.pages import context_of, csrf_of, render, submitted_token, with_form
from shared.errors import NotFound
from shared.identity import Principal, Role
from shared.web.documented import pages, problems
from shared.web.signin import principal_for

router = APIRouter(tags=["support requests"])
StaffPage = Annotated[
    Principal, Depends(principal_for(Role.ALLIANCE_ADMIN, Role.COORDINATOR, page=True))
]
PATH = "/requests/{request_id}/school-link"


def _not_found() -> HTMLResponse:
    text = "There is no such support request in your alliance."
    return render("message.html", status=404, title="Request not found", paragraphs=[text])


@router.get(
    PATH,
    response_class=HTMLResponse,
    summary="Page: confirm cancelling the school's private link to a request",
    responses={**pages(404), **problems(401, 403, 503)},
)
async def revoke_form(request: Request, request_id: UUID, principal: StaffPage) -> HTMLResponse:
    try:
        shown = await reading.get(context_of(request), request_id, principal.alliance_id)
    except NotFound:
        return _not_found()
    return with_form(
        request,
        "revoke_link.html",
        title=f"Cancel the school's link to {shown.reference}",
        request=shown,
        action=PATH.format(request_id=request_id),
    )


@router.post(
    PATH,
    response_class=HTMLResponse,
    summary="Cancel the school's private link to a request (HTML form)",
    responses={**pages(404), **problems(403, html=True), **problems(401, 413, 503)},
)
async def revoke(request: Request, request_id: UUID, principal: StaffPage) -> HTMLResponse:
    ctx = context_of(request)
    form = await request.form()
    try:
        shown = await reading.get(ctx, request_id, principal.alliance_id)
    except NotFound:
        return _not_found()
    if not csrf_of(request).is_valid(request, submitted_token(form)):
        return with_form(
            request,
            "revoke_link.html",
            403,
            title=f"Cancel the school's link to {shown.reference}",
            request=shown,
            action=PATH.format(request_id=request_id),
            problem="Your session expired. Please try again.",
        )
    try:
        revoked = await school_link.revoke(ctx, principal, request_id)
    except NotFound:
        return _not_found()
    return render(
        "message.html",
        title=f"The school's link to {revoked.reference} has been cancelled",
        paragraphs=[
            "Every link we sent the school about this request has stopped working. The next "
            "email we send the school's contact carries a new one.",
            "The contact can also ask for a new link now, by giving the reference and their "
            "email address on the page below; it goes to the contact's email address only.",
        ],
        links=[
            (f"/requests/{request_id}", f"Back to request {revoked.reference}"),
            (FRESH_LINK_PATH, "The page where the school asks for a new link"),
        ],
    )
