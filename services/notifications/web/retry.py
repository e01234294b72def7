"""Sending a failed notification again from the staff page: a confirmation page showing what
will be sent to whom and why it failed, then a POST with CSRF. Administrators of the
notification's alliance only (the use case says so); anything else is an HTML page too."""

from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from services.notifications.api.routes import Log
from services.notifications.web.pages import render
from shared.errors import Conflict, NotFound
from shared.identity import Principal, Role
from shared.web.csrf import FIELD, Csrf
from shared.web.documented import pages, problems
from shared.web.signin import principal_for

router = APIRouter(prefix="/notifications/page", tags=["notifications"])
AdminPage = Annotated[Principal, Depends(principal_for(Role.ALLIANCE_ADMIN, page=True))]
Alliance = Annotated[str, Query(max_length=100)]


def csrf_of(request: Request) -> Csrf:
    return request.app.state.csrf


def back_to_log(alliance: str) -> str:
    return "/notifications/page" + (f"?{urlencode({'alliance': alliance})}" if alliance else "")


def _message(status: int, title: str, text: str, alliance: str) -> HTMLResponse:
    return render(
        "message.html", status, title=title, paragraphs=[text], back=back_to_log(alliance)
    )


def _not_found(alliance: str) -> HTMLResponse:
    text = "There is no such notification for your alliance."
    return _message(404, "Notification not found", text, alliance)


async def _confirm(
    request: Request,
    log: Log,
    principal: Principal,
    notification_id: UUID,
    alliance: str,
    status: int = 200,
    problem: str | None = None,
) -> HTMLResponse:
    try:
        shown = await log.get(principal, notification_id)
    except NotFound:
        return _not_found(alliance)
    return render(
        "retry.html",
        status,
        n=shown,
        problem=problem,
        alliance=alliance,
        back=back_to_log(alliance),
        csrf_field=FIELD,
        csrf_token=csrf_of(request).token(request),
    )


@router.get(
    "/{notification_id}/retry",
    response_class=HTMLResponse,
    summary="Page: confirm sending a failed notification again",
    responses={**pages(404), **problems(401, 403, 503)},
)
async def confirm_retry(
    request: Request, principal: AdminPage, log: Log, notification_id: UUID, alliance: Alliance = ""
) -> HTMLResponse:
    return await _confirm(request, log, principal, notification_id, alliance)


@router.post(
    "/{notification_id}/retry",
    response_class=HTMLResponse,
    summary="Send a failed notification again (HTML form)",
    responses={**pages(404, 409), **problems(403, html=True), **problems(401, 503)},
)
async def retry(
    request: Request, principal: AdminPage, log: Log, notification_id: UUID, alliance: Alliance = ""
) -> HTMLResponse:
    form = await request.form()
    token = form.get(FIELD)
    if not csrf_of(request).is_valid(request, token if isinstance(token, str) else None):
        problem = "The form expired or did not come from this page. Check and try again."
        return await _confirm(request, log, principal, notification_id, alliance, 403, problem)
    try:
        again = await log.retry(principal, notification_id)
    except NotFound:
        return _not_found(alliance)
    except Conflict as exc:
        return _message(409, "This notification cannot be sent again", exc.detail, alliance)
    return _message(
        200,
        "The notification will be sent again",
        f"We will try again to send “{again.subject}” to {again.recipient_email} in a moment. "
        "Its status in the log is now Pending.",
        alliance,
    )
