"""The school's own page, reached through the secret link it was sent: see the request,
confirm the proposed SLE, withdraw, evaluate the completed support. HTML, with the same CSRF
protection as the form."""

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import TypeAdapter, ValidationError

from services.brokerage.api.schemas import Reason
from services.brokerage.domain.lifecycle import Action, Status
from services.brokerage.domain.vocab import AREA_LABELS
from services.brokerage.usecases import reading, school_link, transitions
from services.brokerage.usecases.access import Caller
from services.brokerage.usecases.links import FRESH_LINK_PATH, LinkState
from services.brokerage.usecases.models import Evaluation
from services.brokerage.web.pages import context_of, csrf_of, render, submitted_token, with_form
from shared.errors import DomainError, NotFound
from shared.web.documented import pages, problems
from shared.web.ratelimit import PublicPage

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
REASON = TypeAdapter(Reason)
RATINGS = [
    ("5", "5: excellent"),
    ("4", "4: good"),
    ("3", "3: adequate"),
    ("2", "2: poor"),
    ("1", "1: very poor"),
]


def evaluation_errors(rating: object, comments: object) -> tuple[Evaluation | None, dict[str, str]]:
    """The school's evaluation from the form, or what is wrong with it, field by field."""
    errors: dict[str, str] = {}
    if rating not in {value for value, _ in RATINGS}:
        errors["rating"] = "Choose a rating from 1 to 5"
    text: str | None = None
    try:
        text = REASON.validate_python(comments if isinstance(comments, str) else "") or None
    except ValidationError:
        errors["comments"] = "Comments must be plain text of up to 2,000 characters"
    if errors:
        return None, errors
    return Evaluation(rating=int(str(rating)), comments=text), {}


def _not_found() -> HTMLResponse:
    return render(
        "message.html",
        status=404,
        title="Page not found",
        paragraphs=["This link is not valid. Check you copied all of it from the email."],
    )


def _expired(fresh_link: str) -> HTMLResponse:
    """A genuine link past its lifetime: the same status as any unusable link (nothing is
    revealed about the request), but the school learns how to get a working one."""
    return render(
        "message.html",
        status=404,
        title="This link has expired",
        paragraphs=[
            "For your security, the link in our emails works for a limited time.",
            "Use the link in the most recent email we sent about this request, or ask for a "
            "new link to be sent to the request's contact email address.",
        ],
        links=[(fresh_link, "Get a new link")],
    )


def _revoked(fresh_link: str) -> HTMLResponse:
    """A genuine link that a coordinator revoked, or that a newer link replaced: gone."""
    return render(
        "message.html",
        status=410,
        title="This link no longer works",
        paragraphs=[
            "This link has been replaced or cancelled: links to a support request stop "
            "working when a new one is sent, or when the alliance's coordinator cancels them.",
            "Use the link in the most recent email we sent about this request, or ask for a "
            "new link to be sent to the request's contact email address.",
        ],
        links=[(fresh_link, "Get a new link")],
    )


def refused(state: LinkState) -> HTMLResponse:
    """The page for a link that cannot be used, saying why only where the link was genuine."""
    if state is LinkState.EXPIRED:
        return _expired(FRESH_LINK_PATH)
    if state is LinkState.REVOKED:
        return _revoked(FRESH_LINK_PATH)
    return _not_found()


async def _refused(request: Request, request_id: UUID, token: str) -> HTMLResponse:
    return refused(await school_link.state(context_of(request), request_id, token))


def _when(sent: datetime) -> str:
    local = sent.astimezone(LONDON)
    return local.strftime("%-d %B %Y, %-I:%M%p").replace("AM", "am").replace("PM", "pm")


async def _page(
    request: Request,
    request_id: UUID,
    token: str,
    notice: str | None = None,
    problem: str | None = None,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    try:
        shown = await reading.for_school(context_of(request), request_id, token)
    except NotFound:
        return await _refused(request, request_id, token)
    state = Status(shown.status)
    return with_form(
        request,
        "school.html",
        status,
        title=f"Support request {shown.reference}",
        request=shown,
        proposal=shown.proposal,
        status_text=STATUS_TEXT[state],
        areas=", ".join(AREA_LABELS[a] for a in shown.areas),
        sent=_when(shown.created_at),
        can_confirm=state is Status.PROPOSED and "school_confirmed" not in shown.confirmations,
        can_withdraw=Action.WITHDRAW.value in shown.allowed_actions,
        can_evaluate=Action.EVALUATE.value in shown.allowed_actions,
        ratings=RATINGS,
        token=token,
        notice=notice,
        problem=problem,
        errors=errors or {},
        values=values or {},
    )


@router.get(
    "/support-requests/{request_id}/school",
    response_class=HTMLResponse,
    dependencies=[PublicPage],
    summary="The school's page for its request (secret link)",
    responses={**pages(404, 410), **problems(503)},
)
async def school_page(
    request: Request, request_id: UUID, token: Annotated[str, Query(max_length=200)] = ""
) -> HTMLResponse:
    return await _page(request, request_id, token)


@router.post(
    "/support-requests/{request_id}/school",
    response_class=HTMLResponse,
    summary="The school confirms the SLE or withdraws (HTML form)",
    responses={**pages(404, 410), **problems(413, 503), **problems(422, html=True)},
)
async def school_action(request: Request, request_id: UUID) -> HTMLResponse:
    ctx = context_of(request)
    if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
        return _not_found()
    form = await request.form()
    token, action, reason = (form.get(k) for k in ("token", "action", "reason"))
    if not isinstance(token, str):
        return _not_found()
    state = await school_link.state(ctx, request_id, token)
    if state is not LinkState.VALID:
        return refused(state)
    if not csrf_of(request).is_valid(request, submitted_token(form)):
        return await _page(
            request, request_id, token, problem="Your session expired. Please try again."
        )
    caller = Caller(None, school=True, tried_school_link=True)
    try:
        if action == "confirm":
            await transitions.confirm(ctx, request_id, caller, Action.SCHOOL_CONFIRM)
            notice = "Thank you: you have confirmed the SLE."
        elif action == "withdraw":
            try:
                text = REASON.validate_python(reason if isinstance(reason, str) else "")
            except ValidationError:
                problem = "The reason must be plain text of up to 2,000 characters."
                return await _page(request, request_id, token, problem=problem, status=422)
            await transitions.end(ctx, request_id, caller, Action.WITHDRAW, text or None)
            notice = "Your request has been withdrawn."
        elif action == "evaluate":
            rating, comments = form.get("rating"), form.get("comments")
            evaluation, errors = evaluation_errors(rating, comments)
            if evaluation is None:
                kept = {"rating": rating, "comments": comments}
                return await _page(
                    request,
                    request_id,
                    token,
                    status=422,
                    errors=errors,
                    values={k: v for k, v in kept.items() if isinstance(v, str)},
                )
            await transitions.evaluate(ctx, request_id, caller, evaluation)
            notice = "Thank you: your evaluation has been sent to the coordinator."
        else:
            return await _page(request, request_id, token, problem="Choose what to do.")
    except DomainError as exc:
        return await _page(request, request_id, token, problem=exc.detail)
    return await _page(request, request_id, token, notice=notice)
