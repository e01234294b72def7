"""The coordinator's pages: the alliance's support-request queue (``/requests``, filtered by
status) and what staff do on a request's page: triage, start matching, propose an SLE from the
shortlist, agree the deployment, and, after a confirmation page, complete, close as unmatched or
cancel. Each calls the same use case as the JSON API, as the alliance's staff member."""

from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from services.brokerage.api.schemas import AgreeIn, Reason, TriageIn
from services.brokerage.domain.lifecycle import Action, Status
from services.brokerage.usecases import deployments, parties, reading, transitions
from services.brokerage.usecases.access import Caller
from services.brokerage.usecases.models import SupportRequestView
from services.brokerage.web.pages import context_of
from services.brokerage.web.request_page import show
from services.brokerage.web.signed import (
    RequestId,
    field_errors,
    form_of,
    page,
    problem_text,
    refused,
    see,
    staff_hats,
    text,
)
from services.brokerage.web.wording import STATUS_LABELS
from shared.errors import DomainError, Forbidden, Invalid, NotFound
from shared.identity import Identity, Principal
from shared.web.problems import status_of
from shared.web.signin import SignedIn

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
REASON = TypeAdapter(Reason)
TRIAGE_MESSAGES = {
    "priority": "Choose a priority",
    "region": "Enter the region on one line, up to 100 characters",
    "note": "The note must be plain text of up to 2,000 characters",
}
AGREE_MESSAGES = {
    "days": "Enter the days: at least 0.5, in half days, like 3 or 2.5",
    "day_rate": "Enter the day rate in pounds, like 350",
    "fee_percent": "Enter the brokerage fee as a percentage from 0 to 100, like 10",
    "starts_on": "Enter the first day as a date, like 2026-01-12",
    "ends_on": "Enter the last day as a date, like 2026-03-27",
}
AGREE_FIELDS = {"day_rate_pence": "day_rate", "brokerage_fee_percent": "fee_percent"}
REASON_MESSAGE = "The reason must be plain text of up to 2,000 characters"


def _not_staff() -> Forbidden:
    return Forbidden("only an alliance's coordinators and administrators can see this page")


def queue_hat(identity: Identity, alliance: str | None) -> Principal | None:
    hats = staff_hats(identity)
    return next((h for h in hats if alliance in (None, h.alliance_id)), None)


@router.get("/requests", response_class=HTMLResponse)
async def queue(request: Request, identity: SignedIn) -> HTMLResponse:
    params = request.query_params
    hat = queue_hat(identity, params.get("alliance") or None)
    if hat is None:
        return refused(request, identity, _not_staff())
    chosen = params.get("status") or ""
    errors: dict[str, str] = {}
    status = None
    if chosen:
        try:
            status = Status(chosen)
        except ValueError:
            errors["status"] = "Choose a status from the list"
    number = params.get("page") or "1"
    current = int(number) if number.isdigit() and 0 < int(number) < 10_000 else 1
    views = await reading.list_for(
        context_of(request), hat.alliance_id, status, PAGE_SIZE + 1, (current - 1) * PAGE_SIZE
    )
    return page(
        request,
        identity,
        "requests.html",
        status=400 if errors else 200,
        title="Support requests",
        alliance_id=hat.alliance_id,
        alliances=[h.alliance_id for h in staff_hats(identity)],
        requests=views[:PAGE_SIZE],
        statuses=list(STATUS_LABELS.items()),
        chosen=chosen if not errors else "",
        page_number=current,
        more=len(views) > PAGE_SIZE,
        errors=errors,
    )


Step = Callable[[Caller], Awaitable[SupportRequestView]]


async def _as_staff(
    request: Request, identity: Identity, request_id: UUID, step: Step, done: str
) -> Response:
    """Do ``step`` as the request's alliance's staff member; back to the request's page."""
    try:
        view = await parties.request_for(context_of(request), request_id, identity.principals)
        if view.staff is None:
            raise _not_staff()
        await step(Caller(view.staff))
    except Invalid as exc:
        fields = {e["field"]: e["message"] for e in exc.errors}
        if fields:
            return await show(request, identity, request_id, status=422, errors=fields)
        return await show(request, identity, request_id, status=422, problem=problem_text(exc))
    except (Forbidden, NotFound) as exc:
        return refused(request, identity, exc)
    except DomainError as exc:
        problem = problem_text(exc)
        return await show(request, identity, request_id, status=status_of(exc), problem=problem)
    return see(f"/requests/{request_id}?done={done}")


@router.post("/requests/{request_id}/triage", response_class=HTMLResponse)
async def triage(request: Request, request_id: RequestId, identity: SignedIn) -> Response:
    form = await form_of(request)
    values = {name: text(form, name) for name in TRIAGE_MESSAGES}
    try:
        given = TriageIn.model_validate({k: v for k, v in values.items() if v}).to_input()
    except ValidationError as exc:
        errors = field_errors(exc, TRIAGE_MESSAGES)
        return await show(request, identity, request_id, status=422, errors=errors, values=values)
    ctx = context_of(request)
    return await _as_staff(
        request,
        identity,
        request_id,
        lambda caller: transitions.triage(ctx, request_id, caller, given),
        "triaged",
    )


@router.post("/requests/{request_id}/matching", response_class=HTMLResponse)
async def start_matching(request: Request, request_id: RequestId, identity: SignedIn) -> Response:
    await form_of(request)
    ctx = context_of(request)
    return await _as_staff(
        request,
        identity,
        request_id,
        lambda caller: transitions.start_matching(ctx, request_id, caller),
        "matching",
    )


@router.post("/requests/{request_id}/proposal", response_class=HTMLResponse)
async def propose(request: Request, request_id: RequestId, identity: SignedIn) -> Response:
    form = await form_of(request)
    try:
        sle_id = UUID(text(form, "sle_id"))
    except ValueError:
        errors = {"sle_id": "Choose the SLE to propose"}
        return await show(request, identity, request_id, status=422, errors=errors)
    ctx = context_of(request)
    return await _as_staff(
        request,
        identity,
        request_id,
        lambda caller: transitions.propose(ctx, request_id, caller, sle_id),
        "proposed",
    )


# A confirmation a coordinator records for a party who gave it another way (a call, a letter).
ON_BEHALF = {
    "sle_accepted": Action.SLE_ACCEPT,
    "school_confirmed": Action.SCHOOL_CONFIRM,
    "home_released": Action.HOME_RELEASE,
}


@router.post("/requests/{request_id}/confirmation", response_class=HTMLResponse)
async def record_confirmation(
    request: Request, request_id: RequestId, identity: SignedIn
) -> Response:
    form = await form_of(request)
    action = ON_BEHALF.get(text(form, "confirmation"))
    if action is None:
        errors = {"confirmation": "Choose the confirmation to record"}
        return await show(request, identity, request_id, status=422, errors=errors)
    ctx = context_of(request)
    return await _as_staff(
        request,
        identity,
        request_id,
        lambda caller: transitions.confirm(ctx, request_id, caller, action),
        "recorded",
    )


def agreement_input(values: Mapping[str, str]) -> tuple[AgreeIn | None, dict[str, str]]:
    """The deployment's terms from the form (pounds and a percentage), or its field errors."""
    data: dict[str, Any] = {
        "days": values["days"],
        "starts_on": values["starts_on"],
        "ends_on": values["ends_on"],
    }
    errors: dict[str, str] = {}
    try:
        pounds = Decimal(values["day_rate"].lstrip("£").replace(",", ""))
        if not pounds.is_finite() or pounds != pounds.quantize(Decimal("0.01")):
            raise InvalidOperation
        data["day_rate_pence"] = int(pounds * 100)
    except InvalidOperation:
        errors["day_rate"] = AGREE_MESSAGES["day_rate"]
    data["brokerage_fee_percent"] = values["fee_percent"].rstrip("%") or None
    try:
        agreed = AgreeIn.model_validate({k: v for k, v in data.items() if v not in ("", None)})
    except ValidationError as exc:
        named = {AGREE_FIELDS.get(k, k): v for k, v in field_errors(exc, {}).items()}
        errors.update({k: AGREE_MESSAGES.get(k, v) for k, v in named.items()})
        agreed = None
    if values["fee_percent"] == "":
        errors.setdefault("fee_percent", AGREE_MESSAGES["fee_percent"])
    if errors:
        return None, {name: errors[name] for name in AGREE_MESSAGES if name in errors}
    return agreed, {}


@router.post("/requests/{request_id}/deployment", response_class=HTMLResponse)
async def agree(request: Request, request_id: RequestId, identity: SignedIn) -> Response:
    form = await form_of(request)
    values = {name: text(form, name) for name in AGREE_MESSAGES}
    agreed, errors = agreement_input(values)
    if agreed is None:
        return await show(request, identity, request_id, status=422, errors=errors, values=values)
    ctx = context_of(request)
    return await _as_staff(
        request,
        identity,
        request_id,
        lambda caller: deployments.agree(ctx, request_id, caller, agreed.to_input()),
        "agreed",
    )


# -- the changes asked for twice: a page that says what will happen, then the change ---------

ENDINGS: dict[str, dict[str, Any]] = {
    "cancel": {
        "title": "Cancel this request?",
        "paragraphs": [
            "The school, and the SLE if one was proposed, will be told. Days agreed and not "
            "delivered go back to the SLE. This cannot be undone."
        ],
        "button": "Yes, cancel the request",
        "reason_label": "Why is it cancelled? (optional, the school will see it)",
        "done": "cancelled",
    },
    "unmatched": {
        "title": "Close as unmatched?",
        "paragraphs": [
            "Do this when no SLE can be found. The school will be told, and the request "
            "closes. This cannot be undone."
        ],
        "button": "Yes, close as unmatched",
        "reason_label": "Why could no SLE be found? (optional, the school will see it)",
        "done": "unmatched",
    },
    "complete": {
        "title": "Mark the deployment as completed?",
        "paragraphs": [
            "Days agreed and not delivered go back to the SLE, and the school will be asked "
            "to evaluate the support."
        ],
        "button": "Yes, mark as completed",
        "reason_label": "",
        "done": "completed",
    },
}


async def _ending_page(
    request: Request,
    identity: Identity,
    request_id: UUID,
    kind: str,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    try:
        view = await parties.request_for(context_of(request), request_id, identity.principals)
        if view.staff is None:
            raise _not_staff()
    except DomainError as exc:
        return refused(request, identity, exc)
    ending = ENDINGS[kind]
    return page(
        request,
        identity,
        "confirm.html",
        status=status,
        request=view.request,
        action=f"/requests/{request_id}/{kind}",
        ask_reason=bool(ending["reason_label"]),
        warning=kind != "complete",
        **{k: v for k, v in ending.items() if k != "done"},
        **extra,
    )


def _ending_step(kind: str, request: Request, request_id: UUID, reason: str | None) -> Step:
    ctx = context_of(request)
    if kind == "cancel":
        return lambda c: transitions.end(ctx, request_id, c, Action.CANCEL, reason)
    if kind == "unmatched":
        return lambda c: transitions.mark_unmatched(ctx, request_id, c, reason)
    return lambda c: deployments.complete(ctx, request_id, c)


def _ending_routes(kind: str) -> None:
    @router.get(f"/requests/{{request_id}}/{kind}", response_class=HTMLResponse)
    async def ask(request: Request, request_id: RequestId, identity: SignedIn) -> HTMLResponse:
        return await _ending_page(request, identity, request_id, kind)

    @router.post(f"/requests/{{request_id}}/{kind}", response_class=HTMLResponse)
    async def act(request: Request, request_id: RequestId, identity: SignedIn) -> Response:
        form = await form_of(request)
        reason = text(form, "reason")
        try:
            kept = REASON.validate_python(reason) or None
        except ValidationError:
            return await _ending_page(
                request,
                identity,
                request_id,
                kind,
                status=422,
                errors={"reason": REASON_MESSAGE},
                values={"reason": reason},
            )
        step = _ending_step(kind, request, request_id, kept)
        return await _as_staff(request, identity, request_id, step, ENDINGS[kind]["done"])


for _kind in ENDINGS:
    _ending_routes(_kind)
