"""The school's own page, reached through the secret link it was sent: see the request,
confirm the proposed SLE, withdraw. HTML with the same CSRF protection as the form."""

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from services.brokerage import repository as repo
from services.brokerage.access import Caller
from services.brokerage.api import csrf
from services.brokerage.api.form import render, with_csrf
from services.brokerage.api.schemas import SupportRequestOut
from services.brokerage.domain.lifecycle import Action, Status
from services.brokerage.domain.vocab import AREA_LABELS
from services.brokerage.keys import Keys
from services.brokerage.usecases import requests as usecases
from services.brokerage.usecases import transitions
from shared.errors import DomainError
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["support form"])
LONDON = ZoneInfo("Europe/London")

STATUS_TEXT = {
    Status.SUBMITTED: "Received: a coordinator will read it soon",
    Status.TRIAGED: "Read by a coordinator",
    Status.MATCHING: "Looking for an SLE",
    Status.PROPOSED: "An SLE has been proposed",
    Status.ACCEPTED: "Everyone has agreed: the coordinator will set the days and dates",
    Status.AGREED: "Deployment agreed",
    Status.ACTIVE: "Support under way",
    Status.COMPLETED: "Support completed",
    Status.EVALUATED: "Completed and evaluated",
    Status.WITHDRAWN: "Withdrawn by the school",
    Status.CANCELLED: "Cancelled by the alliance",
    Status.UNMATCHED: "Closed: no SLE could be found",
}


def _not_found() -> HTMLResponse:
    return render(
        "message.html",
        status=404,
        title="Page not found",
        paragraphs=["This link is not valid. Check you copied all of it from the email."],
    )


async def _page(
    request: Request,
    request_id: UUID,
    token: str,
    notice: str | None = None,
    problem: str | None = None,
) -> HTMLResponse:
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.sessions() as session:
        row = await repo.get_request(session, request_id)
        assert row is not None
        shown: SupportRequestOut = await usecases.present(session, row)
    status = Status(shown.status)
    sent: datetime = shown.created_at.astimezone(LONDON)
    context = {
        "title": f"Support request {shown.reference}",
        "request": shown,
        "proposal": shown.proposal,
        "status_text": STATUS_TEXT[status],
        "areas": ", ".join(AREA_LABELS[a] for a in shown.areas),
        "sent": sent.strftime("%-d %B %Y, %-I:%M%p").replace("AM", "am").replace("PM", "pm"),
        "can_confirm": status is Status.PROPOSED and "school_confirmed" not in shown.confirmations,
        "can_withdraw": Action.WITHDRAW.value in shown.allowed_actions,
        "token": token,
        "notice": notice,
        "problem": problem,
    }
    keys: Keys = request.app.state.keys
    return with_csrf(request, keys, lambda t: render("school.html", csrf_token=t, **context))


@router.get(
    "/support-requests/{request_id}/school",
    response_class=HTMLResponse,
    summary="The school's page for its request (secret link)",
)
async def school_page(
    request: Request, request_id: UUID, token: Annotated[str, Query(max_length=200)] = ""
) -> HTMLResponse:
    keys: Keys = request.app.state.keys
    if not keys.is_school_token(request_id, token):
        return _not_found()
    return await _page(request, request_id, token)


@router.post(
    "/support-requests/{request_id}/school",
    response_class=HTMLResponse,
    summary="The school confirms the SLE or withdraws (HTML form)",
)
async def school_action(request: Request, request_id: UUID) -> HTMLResponse:
    keys: Keys = request.app.state.keys
    runtime: ServiceRuntime = request.app.state.runtime
    if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
        return _not_found()
    form = await request.form()
    token, action, reason = (form.get(k) for k in ("token", "action", "reason"))
    if not isinstance(token, str) or not keys.is_school_token(request_id, token):
        return _not_found()
    given = form.get(csrf.FIELD)
    if not csrf.is_valid(
        keys, request.cookies.get(csrf.COOKIE), given if isinstance(given, str) else None
    ):
        return await _page(
            request, request_id, token, problem="Your session expired. Please try again."
        )
    caller = Caller(None, school=True, tried_school_link=True)
    try:
        if action == "confirm":
            await transitions.confirm(runtime, request_id, caller, Action.SCHOOL_CONFIRM)
            notice = "Thank you: you have confirmed the SLE."
        elif action == "withdraw":
            text = reason.strip()[:2000] if isinstance(reason, str) and reason.strip() else None
            await transitions.end(runtime, request_id, caller, Action.WITHDRAW, text)
            notice = "Your request has been withdrawn."
        else:
            return await _page(request, request_id, token, problem="Choose what to do.")
    except DomainError as exc:
        return await _page(request, request_id, token, problem=exc.detail)
    return await _page(request, request_id, token, notice=notice)
