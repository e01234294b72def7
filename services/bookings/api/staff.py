"""Alliance staff, managed by the alliance's administrators (a bearer token, or signed in)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from services.bookings.api.deps import Ctx
from services.bookings.usecases import staff as uc
from services.bookings.usecases.staff import StaffInvite, StaffMemberView, StaffRoleChange
from shared.identity import Principal, Role
from shared.web.documented import problems
from shared.web.signin import principal_for

router = APIRouter(tags=["staff"])

AlliancePath = Annotated[str, Path(max_length=100)]
EmailPath = Annotated[str, Path(max_length=320)]


# A bearer token, or the signed-in person as an administrator of the alliance in the path.
Manager = Annotated[Principal, Depends(principal_for(Role.ALLIANCE_ADMIN))]


@router.get(
    "/alliances/{alliance_id}/staff",
    summary="The alliance's staff: administrators and coordinators",
    responses=problems(401, 403),
)
async def list_staff(
    ctx: Ctx, principal: Manager, alliance_id: AlliancePath
) -> list[StaffMemberView]:
    return await uc.list_staff(ctx, principal, alliance_id)


@router.post(
    "/alliances/{alliance_id}/staff",
    status_code=201,
    summary="Invite someone to the alliance's staff by email, with a role",
    responses=problems(401, 403, 409, 422),
)
async def invite(
    ctx: Ctx, principal: Manager, alliance_id: AlliancePath, body: StaffInvite
) -> StaffMemberView:
    return await uc.invite(ctx, principal, alliance_id, body)


@router.put(
    "/alliances/{alliance_id}/staff/{email}",
    summary="Change a staff member's role (the last administrator stays one)",
    responses=problems(401, 403, 404, 409, 422),
)
async def change_role(
    ctx: Ctx, principal: Manager, alliance_id: AlliancePath, email: EmailPath, body: StaffRoleChange
) -> StaffMemberView:
    return await uc.change_role(ctx, principal, alliance_id, email, body)


@router.delete(
    "/alliances/{alliance_id}/staff/{email}",
    status_code=204,
    summary="Remove someone from the alliance's staff (never the last administrator)",
    responses=problems(401, 403, 404, 409),
)
async def remove(
    ctx: Ctx, principal: Manager, alliance_id: AlliancePath, email: EmailPath
) -> Response:
    await uc.remove(ctx, principal, alliance_id, email)
    return Response(status_code=204)
