"""Schools and alliance membership (which decides member or non-member prices)."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.bookings.api.deps import Admin, AnyPrincipal, Ctx
from services.bookings.api.schemas import MembershipOut, SchoolIn, SchoolOut
from services.bookings.usecases import schools as uc
from shared.web.documented import problems

router = APIRouter(tags=["schools"])

UrnPath = Annotated[str, Path(pattern=r"^\d{6}$", description="DfE unique reference number")]
AlliancePath = Annotated[str, Path(max_length=100)]


@router.put(
    "/schools/{urn}",
    summary="Register or update a school: name, CPD lead, whether bookings need approval",
    responses={**problems(401, 403, 422), 201: {"model": SchoolOut}},
)
async def put_school(
    ctx: Ctx, principal: AnyPrincipal, urn: UrnPath, body: SchoolIn, response: Response
) -> SchoolOut:
    school, created = await uc.put_school(ctx, principal, urn, body)
    response.status_code = 201 if created else 200
    return SchoolOut.model_validate(school, from_attributes=True)


@router.get("/schools/{urn}", summary="A school", responses=problems(401, 404))
async def get_school(ctx: Ctx, principal: AnyPrincipal, urn: UrnPath) -> SchoolOut:
    return SchoolOut.model_validate(await uc.get_school(ctx, principal, urn), from_attributes=True)


@router.get(
    "/alliances/{alliance_id}/members",
    summary="The alliance's member schools",
    responses=problems(401, 403),
)
async def list_members(
    ctx: Ctx, principal: Admin, alliance_id: AlliancePath
) -> list[MembershipOut]:
    members = await uc.list_members(ctx, principal, alliance_id)
    return [MembershipOut.model_validate(m, from_attributes=True) for m in members]


@router.put(
    "/alliances/{alliance_id}/members/{urn}",
    summary="Make a school a member of the alliance",
    responses={**problems(401, 403, 404), 201: {"model": MembershipOut}},
)
async def add_member(
    ctx: Ctx, principal: Admin, alliance_id: AlliancePath, urn: UrnPath, response: Response
) -> MembershipOut:
    member, added = await uc.add_member(ctx, principal, alliance_id, urn)
    response.status_code = 201 if added else 200
    return MembershipOut.model_validate(member, from_attributes=True)


@router.delete(
    "/alliances/{alliance_id}/members/{urn}",
    status_code=204,
    summary="End a school's membership of the alliance",
    responses=problems(401, 403, 404),
)
async def remove_member(
    ctx: Ctx, principal: Admin, alliance_id: AlliancePath, urn: UrnPath
) -> Response:
    await uc.remove_member(ctx, principal, alliance_id, urn)
    return Response(status_code=204)
