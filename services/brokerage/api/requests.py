"""Support requests for staff, and the lifecycle's transitions for every party.

Staff act with their bearer token; the SLE with theirs (role ``sle``, their email); the
home-school head as a ``school_lead`` of the SLE's home school; the school, which has no
account, with the secret from its link (``school_token`` in the body).
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Request

from services.brokerage.access import Caller
from services.brokerage.api.directory import Runtime, Staff
from services.brokerage.api.schemas import (
    AgreeIn,
    EvaluateIn,
    ProposeIn,
    ReasonIn,
    SchoolTokenIn,
    ShortlistOut,
    SupportRequestOut,
    TriageIn,
    VisitIn,
    WithdrawIn,
)
from services.brokerage.domain.lifecycle import Action, Status
from services.brokerage.keys import Keys
from services.brokerage.usecases import requests as usecases
from services.brokerage.usecases import transitions
from shared.web.auth import Principal, optional_principal

router = APIRouter(prefix="/support-requests", tags=["support requests"])

Who = Annotated[Principal | None, Depends(optional_principal)]


def keys_of(request: Request) -> Keys:
    return request.app.state.keys


KeysDep = Annotated[Keys, Depends(keys_of)]


def caller(principal: Principal | None, keys: Keys, request_id: UUID, token: str | None) -> Caller:
    return Caller(
        principal, school=keys.is_school_token(request_id, token), tried_school_link=bool(token)
    )


@router.get("", summary="The alliance's support requests, newest first")
async def list_requests(
    principal: Staff,
    runtime: Runtime,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[SupportRequestOut]:
    return await usecases.list_for(runtime, principal.alliance_id, status, limit, offset)


@router.get("/{request_id}", summary="One support request, with what can happen next")
async def get_request(request_id: UUID, principal: Staff, runtime: Runtime) -> SupportRequestOut:
    return await usecases.get(runtime, request_id, principal.alliance_id)


@router.get("/{request_id}/shortlist", summary="SLEs ranked for the request, with reasons")
async def get_shortlist(request_id: UUID, principal: Staff, runtime: Runtime) -> ShortlistOut:
    return await usecases.shortlist_for(runtime, request_id, principal.alliance_id)


@router.post("/{request_id}/triage", summary="Triage a submitted request")
async def triage(
    request_id: UUID,
    principal: Staff,
    runtime: Runtime,
    body: Annotated[TriageIn | None, Body()] = None,
) -> SupportRequestOut:
    return await transitions.triage(runtime, request_id, Caller(principal), body or TriageIn())


@router.post("/{request_id}/matching", summary="Start matching a triaged request")
async def start_matching(request_id: UUID, principal: Staff, runtime: Runtime) -> SupportRequestOut:
    return await transitions.start_matching(runtime, request_id, Caller(principal))


@router.post("/{request_id}/proposal", summary="Propose an SLE from the shortlist")
async def propose(
    request_id: UUID, body: ProposeIn, principal: Staff, runtime: Runtime, keys: KeysDep
) -> SupportRequestOut:
    return await transitions.propose(runtime, keys, request_id, Caller(principal), body.sle_id)


@router.post("/{request_id}/sle-acceptance", summary="The proposed SLE accepts")
async def sle_accept(request_id: UUID, principal: Who, runtime: Runtime) -> SupportRequestOut:
    return await transitions.confirm(runtime, request_id, Caller(principal), Action.SLE_ACCEPT)


@router.post("/{request_id}/sle-decline", summary="The proposed SLE declines: back to matching")
async def sle_decline(
    request_id: UUID,
    principal: Who,
    runtime: Runtime,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> SupportRequestOut:
    reason = body.reason if body else None
    return await transitions.decline(runtime, request_id, Caller(principal), reason)


@router.post("/{request_id}/school-confirmation", summary="The school confirms the proposed SLE")
async def school_confirm(
    request_id: UUID,
    principal: Who,
    runtime: Runtime,
    keys: KeysDep,
    body: Annotated[SchoolTokenIn | None, Body()] = None,
) -> SupportRequestOut:
    who = caller(principal, keys, request_id, body.school_token if body else None)
    return await transitions.confirm(runtime, request_id, who, Action.SCHOOL_CONFIRM)


@router.post("/{request_id}/home-school-release", summary="The SLE's home school releases them")
async def home_release(request_id: UUID, principal: Who, runtime: Runtime) -> SupportRequestOut:
    return await transitions.confirm(runtime, request_id, Caller(principal), Action.HOME_RELEASE)


@router.post(
    "/{request_id}/deployment",
    summary="Agree the deployment (days, day rate, brokerage fee, dates): reserves the days",
)
async def agree(
    request_id: UUID, body: AgreeIn, principal: Staff, runtime: Runtime
) -> SupportRequestOut:
    return await transitions.agree(runtime, request_id, Caller(principal), body)


@router.post("/{request_id}/visits", summary="Log a visit")
async def log_visit(
    request_id: UUID, body: VisitIn, principal: Who, runtime: Runtime
) -> SupportRequestOut:
    return await transitions.log_visit(runtime, request_id, Caller(principal), body)


@router.post("/{request_id}/completion", summary="Complete: undelivered days go back")
async def complete(request_id: UUID, principal: Staff, runtime: Runtime) -> SupportRequestOut:
    return await transitions.complete(runtime, request_id, Caller(principal))


@router.post("/{request_id}/evaluation", summary="Evaluate a completed deployment")
async def evaluate(
    request_id: UUID, body: EvaluateIn, principal: Who, runtime: Runtime, keys: KeysDep
) -> SupportRequestOut:
    who = caller(principal, keys, request_id, body.school_token)
    return await transitions.evaluate(runtime, request_id, who, body)


@router.post("/{request_id}/withdrawal", summary="The school withdraws its request")
async def withdraw(
    request_id: UUID,
    principal: Who,
    runtime: Runtime,
    keys: KeysDep,
    body: Annotated[WithdrawIn | None, Body()] = None,
) -> SupportRequestOut:
    who = caller(principal, keys, request_id, body.school_token if body else None)
    reason = body.reason if body else None
    return await transitions.end(runtime, request_id, who, Action.WITHDRAW, reason)


@router.post("/{request_id}/cancellation", summary="A coordinator cancels the request")
async def cancel(
    request_id: UUID,
    principal: Staff,
    runtime: Runtime,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> SupportRequestOut:
    reason = body.reason if body else None
    return await transitions.end(runtime, request_id, Caller(principal), Action.CANCEL, reason)


@router.post("/{request_id}/unmatched", summary="No SLE can be found: close the request")
async def unmatched(
    request_id: UUID,
    principal: Staff,
    runtime: Runtime,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> SupportRequestOut:
    reason = body.reason if body else None
    return await transitions.mark_unmatched(runtime, request_id, Caller(principal), reason)
