"""Alliances (their coordinators) and the SLE directory: staff only, within their alliance."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from services.brokerage.api.schemas import AllianceIn, AllianceOut, SleIn, SleOut, SlePatch
from services.brokerage.domain.vocab import Area, Phase, SleStatus
from services.brokerage.usecases import directory
from shared.runtime import ServiceRuntime
from shared.web.auth import Principal, Role, require_roles
from shared.web.problems import NotFound

router = APIRouter()

Admin = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN))]
Staff = Annotated[Principal, Depends(require_roles(Role.ALLIANCE_ADMIN, Role.COORDINATOR))]


def runtime_of(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]


def _own(principal: Principal, alliance_id: str) -> None:
    if principal.alliance_id != alliance_id:
        raise NotFound("no such alliance")


@router.put(
    "/alliances/{alliance_id}",
    tags=["alliances"],
    summary="Set up an alliance: its name, region and the coordinators who hear of requests",
)
async def put_alliance(
    alliance_id: str, body: AllianceIn, principal: Admin, runtime: Runtime
) -> AllianceOut:
    _own(principal, alliance_id)
    return await directory.put_alliance(runtime, alliance_id, body)


@router.get("/alliances/{alliance_id}", tags=["alliances"], summary="An alliance")
async def get_alliance(alliance_id: str, principal: Staff, runtime: Runtime) -> AllianceOut:
    _own(principal, alliance_id)
    return await directory.get_alliance(runtime, alliance_id)


@router.post("/sles", status_code=201, tags=["sles"], summary="Add an SLE to the directory")
async def create_sle(body: SleIn, principal: Staff, runtime: Runtime) -> SleOut:
    return await directory.create_sle(runtime, principal.alliance_id, body)


@router.patch("/sles/{sle_id}", tags=["sles"], summary="Change an SLE's entry")
async def patch_sle(sle_id: UUID, body: SlePatch, principal: Staff, runtime: Runtime) -> SleOut:
    return await directory.patch_sle(runtime, principal.alliance_id, sle_id, body)


@router.get("/sles/{sle_id}", tags=["sles"], summary="One SLE")
async def get_sle(sle_id: UUID, principal: Staff, runtime: Runtime) -> SleOut:
    return await directory.get_sle(runtime, principal.alliance_id, sle_id)


@router.get("/sles", tags=["sles"], summary="The alliance's SLEs, filtered")
async def list_sles(
    principal: Staff,
    runtime: Runtime,
    specialism: Annotated[list[Area] | None, Query()] = None,
    phase: Phase | None = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
    min_days_left: Annotated[float | None, Query(ge=0, le=200)] = None,
    status: SleStatus | None = None,
) -> list[SleOut]:
    return await directory.list_sles(
        runtime,
        principal.alliance_id,
        specialism=specialism,
        phase=phase,
        region=region,
        min_days_left=min_days_left,
        status=status,
    )
