"""Alliance staff, managed by the alliance's administrators (a bearer token, or signed in)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from services.bookings.api.deps import Ctx, problems
from services.bookings.usecases import staff as uc
from services.bookings.usecases.staff import StaffInvite, StaffMemberView, StaffRoleChange
from shared.errors import Forbidden, Unauthenticated
from shared.identity import Principal, Role
from shared.web.auth import bearer_scheme, current_principal
from shared.web.signin import identity_of

router = APIRouter(tags=["staff"])

AlliancePath = Annotated[str, Path(max_length=100)]
EmailPath = Annotated[str, Path(max_length=320)]


async def staff_manager(
    request: Request,
    alliance_id: AlliancePath,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """The bearer token's principal, else the signed-in person's hat for this alliance."""
    if credentials is not None:
        return await current_principal(request, credentials)
    identity = await identity_of(request)
    if identity is None:
        raise Unauthenticated("a bearer token or a signed-in session is required")
    hat = identity.acting_as(Role.ALLIANCE_ADMIN, alliance_id=alliance_id)
    if hat is None:
        raise Forbidden("only the alliance's administrators manage its staff")
    return hat


Manager = Annotated[Principal, Depends(staff_manager)]


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
