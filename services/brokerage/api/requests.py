"""Support requests for staff, and the lifecycle's transitions for every party.

Staff act with their bearer token; the SLE with theirs (role ``sle``, their email); the
home-school head as a ``school_lead`` of the SLE's home school; the school, which has no
account, with the secret from its link (``school_token`` in the body).
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Query

from services.brokerage.api.deps import Ctx, Staff, Who
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
from services.brokerage.usecases import deployments, reading, school_link, transitions
from services.brokerage.usecases.access import Caller
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.links import LinkState
from services.brokerage.usecases.models import SupportRequestView
from shared.identity import Principal
from shared.web.documented import problems

router = APIRouter(prefix="/support-requests", tags=["support requests"])

# Staff move a request on (their role is checked first); every POST is under the body limit.
TRANSITION = problems(404, 409, 413)
# The SLE, the home school or the school (by its link) act: who they are is checked in the step.
PARTIES = problems(401, 403, 404, 409, 413)


def out(view: SupportRequestView) -> SupportRequestOut:
    return SupportRequestOut.model_validate(view, from_attributes=True)


async def caller(
    ctx: Context, principal: Principal | None, request_id: UUID, token: str | None
) -> Caller:
    school = await school_link.state(ctx, request_id, token) is LinkState.VALID
    return Caller(principal, school=school, tried_school_link=bool(token))


@router.get("", summary="The alliance's support requests, newest first", responses=problems())
async def list_requests(
    principal: Staff,
    ctx: Ctx,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[SupportRequestOut]:
    views = await reading.list_for(ctx, principal.alliance_id, status, limit, offset)
    return [out(v) for v in views]


@router.get(
    "/{request_id}",
    summary="One support request, with what can happen next",
    responses=problems(404),
)
async def get_request(request_id: UUID, principal: Staff, ctx: Ctx) -> SupportRequestOut:
    return out(await reading.get(ctx, request_id, principal.alliance_id))


@router.get(
    "/{request_id}/shortlist",
    summary="SLEs ranked for the request, with reasons",
    responses=problems(404),
)
async def get_shortlist(request_id: UUID, principal: Staff, ctx: Ctx) -> ShortlistOut:
    view = await reading.shortlist_for(ctx, request_id, principal.alliance_id)
    return ShortlistOut.model_validate(view, from_attributes=True)


@router.post("/{request_id}/triage", summary="Triage a submitted request", responses=TRANSITION)
async def triage(
    request_id: UUID,
    principal: Staff,
    ctx: Ctx,
    body: Annotated[TriageIn | None, Body()] = None,
) -> SupportRequestOut:
    given = (body or TriageIn()).to_input()
    return out(await transitions.triage(ctx, request_id, Caller(principal), given))


@router.post(
    "/{request_id}/matching", summary="Start matching a triaged request", responses=TRANSITION
)
async def start_matching(request_id: UUID, principal: Staff, ctx: Ctx) -> SupportRequestOut:
    return out(await transitions.start_matching(ctx, request_id, Caller(principal)))


@router.post(
    "/{request_id}/proposal",
    summary="Propose an SLE from the shortlist",
    responses=problems(404, 409, 413, 422),
)
async def propose(
    request_id: UUID, body: ProposeIn, principal: Staff, ctx: Ctx
) -> SupportRequestOut:
    return out(await transitions.propose(ctx, request_id, Caller(principal), body.sle_id))


@router.post("/{request_id}/sle-acceptance", summary="The proposed SLE accepts", responses=PARTIES)
async def sle_accept(request_id: UUID, principal: Who, ctx: Ctx) -> SupportRequestOut:
    return out(await transitions.confirm(ctx, request_id, Caller(principal), Action.SLE_ACCEPT))


@router.post(
    "/{request_id}/sle-decline",
    summary="The proposed SLE declines: back to matching",
    responses=PARTIES,
)
async def sle_decline(
    request_id: UUID,
    principal: Who,
    ctx: Ctx,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> SupportRequestOut:
    reason = body.reason if body else None
    return out(await transitions.decline(ctx, request_id, Caller(principal), reason))


@router.post(
    "/{request_id}/school-confirmation",
    summary="The school confirms the proposed SLE",
    responses=PARTIES,
)
async def school_confirm(
    request_id: UUID,
    principal: Who,
    ctx: Ctx,
    body: Annotated[SchoolTokenIn | None, Body()] = None,
) -> SupportRequestOut:
    who = await caller(ctx, principal, request_id, body.school_token if body else None)
    return out(await transitions.confirm(ctx, request_id, who, Action.SCHOOL_CONFIRM))


@router.post(
    "/{request_id}/home-school-release",
    summary="The SLE's home school releases them",
    responses=PARTIES,
)
async def home_release(request_id: UUID, principal: Who, ctx: Ctx) -> SupportRequestOut:
    return out(await transitions.confirm(ctx, request_id, Caller(principal), Action.HOME_RELEASE))


@router.post(
    "/{request_id}/deployment",
    summary="Agree the deployment (days, day rate, brokerage fee, dates): reserves the days",
    responses=problems(404, 409, 413, 422),
)
async def agree(request_id: UUID, body: AgreeIn, principal: Staff, ctx: Ctx) -> SupportRequestOut:
    return out(await deployments.agree(ctx, request_id, Caller(principal), body.to_input()))


@router.post("/{request_id}/visits", summary="Log a visit", responses=PARTIES)
async def log_visit(request_id: UUID, body: VisitIn, principal: Who, ctx: Ctx) -> SupportRequestOut:
    return out(await deployments.log_visit(ctx, request_id, Caller(principal), body.to_input()))


@router.post(
    "/{request_id}/completion", summary="Complete: undelivered days go back", responses=TRANSITION
)
async def complete(request_id: UUID, principal: Staff, ctx: Ctx) -> SupportRequestOut:
    return out(await deployments.complete(ctx, request_id, Caller(principal)))


@router.post(
    "/{request_id}/evaluation", summary="Evaluate a completed deployment", responses=PARTIES
)
async def evaluate(
    request_id: UUID, body: EvaluateIn, principal: Who, ctx: Ctx
) -> SupportRequestOut:
    who = await caller(ctx, principal, request_id, body.school_token)
    return out(await transitions.evaluate(ctx, request_id, who, body.to_input()))


@router.post(
    "/{request_id}/withdrawal", summary="The school withdraws its request", responses=PARTIES
)
async def withdraw(
    request_id: UUID,
    principal: Who,
    ctx: Ctx,
    body: Annotated[WithdrawIn | None, Body()] = None,
) -> SupportRequestOut:
    who = await caller(ctx, principal, request_id, body.school_token if body else None)
    reason = body.reason if body else None
    return out(await transitions.end(ctx, request_id, who, Action.WITHDRAW, reason))


@router.post(
    "/{request_id}/cancellation", summary="A coordinator cancels the request", responses=TRANSITION
)
async def cancel(
    request_id: UUID,
    principal: Staff,
    ctx: Ctx,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> SupportRequestOut:
    reason = body.reason if body else None
    return out(await transitions.end(ctx, request_id, Caller(principal), Action.CANCEL, reason))


@router.post(
    "/{request_id}/unmatched",
    summary="No SLE can be found: close the request",
    responses=TRANSITION,
)
async def unmatched(
    request_id: UUID,
    principal: Staff,
    ctx: Ctx,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> SupportRequestOut:
    reason = body.reason if body else None
    return out(await transitions.mark_unmatched(ctx, request_id, Caller(principal), reason))
