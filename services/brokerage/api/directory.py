"""Alliances (their coordinators) and the SLE directory: staff only, within their alliance."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.brokerage.api.deps import Admin, Ctx, Staff
from services.brokerage.api.schemas import AllianceIn, AllianceOut, SleIn, SleOut, SlePatch
from services.brokerage.domain.vocab import Area, Phase, SleStatus
from services.brokerage.usecases import directory
from shared.errors import NotFound
from shared.identity import Principal
from shared.web.documented import problems

router = APIRouter()


def _own(principal: Principal, alliance_id: str) -> None:
    if principal.alliance_id != alliance_id:
        raise NotFound("no such alliance")


@router.put(
    "/alliances/{alliance_id}",
    tags=["alliances"],
    summary="Set up an alliance: its name, region and the coordinators who hear of requests",
    responses=problems(404, 413),
)
async def put_alliance(
    alliance_id: str, body: AllianceIn, principal: Admin, ctx: Ctx
) -> AllianceOut:
    _own(principal, alliance_id)
    view = await directory.put_alliance(ctx, alliance_id, body.to_input())
    return AllianceOut.model_validate(view, from_attributes=True)


@router.get(
    "/alliances/{alliance_id}", tags=["alliances"], summary="An alliance", responses=problems(404)
)
async def get_alliance(alliance_id: str, principal: Staff, ctx: Ctx) -> AllianceOut:
    _own(principal, alliance_id)
    view = await directory.get_alliance(ctx, alliance_id)
    return AllianceOut.model_validate(view, from_attributes=True)


@router.post(
    "/sles",
    status_code=201,
    tags=["sles"],
    summary="Add an SLE to the directory",
    responses=problems(409, 413),
)
async def create_sle(body: SleIn, principal: Staff, ctx: Ctx) -> SleOut:
    view = await directory.create_sle(ctx, principal.alliance_id, body.to_input())
    return SleOut.model_validate(view, from_attributes=True)


@router.patch(
    "/sles/{sle_id}",
    tags=["sles"],
    summary="Change an SLE's entry",
    responses=problems(404, 409, 413),
)
async def patch_sle(sle_id: UUID, body: SlePatch, principal: Staff, ctx: Ctx) -> SleOut:
    view = await directory.patch_sle(ctx, principal.alliance_id, sle_id, body.to_input())
    return SleOut.model_validate(view, from_attributes=True)


@router.get("/sles/{sle_id}", tags=["sles"], summary="One SLE", responses=problems(404))
async def get_sle(sle_id: UUID, principal: Staff, ctx: Ctx) -> SleOut:
    view = await directory.get_sle(ctx, principal.alliance_id, sle_id)
    return SleOut.model_validate(view, from_attributes=True)


@router.get("/sles", tags=["sles"], summary="The alliance's SLEs, filtered", responses=problems())
async def list_sles(
    principal: Staff,
    ctx: Ctx,
    specialism: Annotated[list[Area] | None, Query()] = None,
    phase: Phase | None = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
    min_days_left: Annotated[float | None, Query(ge=0, le=200)] = None,
    status: SleStatus | None = None,
) -> list[SleOut]:
    views = await directory.list_sles(
        ctx,
        principal.alliance_id,
        specialism=specialism,
        phase=phase,
        region=region,
        min_days_left=min_days_left,
        status=status,
    )
    return [SleOut.model_validate(v, from_attributes=True) for v in views]
