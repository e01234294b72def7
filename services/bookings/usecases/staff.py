"""Alliance staff: each alliance's administrators invite people by email with a role, change
their role and remove them; the last administrator stays. Every change is announced
(``shared.contracts.staff``) so brokerage and notifications keep their own copy."""

from pydantic import BaseModel, EmailStr

from services.bookings import staff_store as store
from services.bookings.domain.staff import StaffRole, check_keeps_an_administrator
from services.bookings.usecases.access import is_admin_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import StrictInput
from shared.contracts.staff import StaffMemberAppointed, StaffMemberRemoved
from shared.errors import Conflict, Forbidden, NotFound
from shared.identity import Principal


class StaffInvite(StrictInput):
    email: EmailStr
    role: StaffRole
    name: str | None = None


class StaffRoleChange(StrictInput):
    role: StaffRole


class StaffMemberView(BaseModel):
    alliance_id: str
    email: str
    role: StaffRole
    name: str | None = None


def _check_admin(principal: Principal, alliance_id: str) -> None:
    if not is_admin_of(principal, alliance_id):
        raise Forbidden("only the alliance's administrators manage its staff")


async def list_staff(
    ctx: BookingsContext, principal: Principal, alliance_id: str
) -> list[StaffMemberView]:
    _check_admin(principal, alliance_id)
    async with ctx.runtime.sessions() as session:
        rows = await store.alliance_staff(session, alliance_id)
    return [StaffMemberView.model_validate(r._mapping) for r in rows]


async def invite(
    ctx: BookingsContext, principal: Principal, alliance_id: str, body: StaffInvite
) -> StaffMemberView:
    _check_admin(principal, alliance_id)
    email = body.email.lower()
    async with ctx.runtime.transaction() as session:
        current = await store.alliance_staff(session, alliance_id, lock=True)
        if any(r.email == email for r in current):
            raise Conflict(f"{email} is already on this alliance's staff: change their role")
        await _appoint(ctx, session, alliance_id, email, body.role, body.name)
    return StaffMemberView(alliance_id=alliance_id, email=email, role=body.role, name=body.name)


async def change_role(
    ctx: BookingsContext, principal: Principal, alliance_id: str, email: str, body: StaffRoleChange
) -> StaffMemberView:
    _check_admin(principal, alliance_id)
    email = email.lower()
    async with ctx.runtime.transaction() as session:
        current = await store.alliance_staff(session, alliance_id, lock=True)
        member = next((r for r in current if r.email == email), None)
        if member is None:
            raise NotFound("no such staff member")
        check_keeps_an_administrator(_administrators(current), email, body.role)
        await _appoint(ctx, session, alliance_id, email, body.role, member.name)
    return StaffMemberView(alliance_id=alliance_id, email=email, role=body.role, name=member.name)


async def remove(ctx: BookingsContext, principal: Principal, alliance_id: str, email: str) -> None:
    _check_admin(principal, alliance_id)
    email = email.lower()
    async with ctx.runtime.transaction() as session:
        current = await store.alliance_staff(session, alliance_id, lock=True)
        if not any(r.email == email for r in current):
            raise NotFound("no such staff member")
        check_keeps_an_administrator(_administrators(current), email, None)
        await store.delete_staff(session, alliance_id, email)
        await ctx.runtime.outbox.add(
            session, StaffMemberRemoved(alliance_id=alliance_id, email=email, at=ctx.clock.now())
        )


async def seed(
    ctx: BookingsContext, alliance_id: str, email: str, role: StaffRole, name: str | None = None
) -> None:
    """Appoint without asking who may: the first administrator of an alliance, demo data."""
    async with ctx.runtime.transaction() as session:
        await _appoint(ctx, session, alliance_id, email.lower(), role, name)


def _administrators(rows: list) -> set[str]:
    return {r.email for r in rows if r.role == StaffRole.ADMINISTRATOR}


async def _appoint(
    ctx: BookingsContext, session, alliance_id: str, email: str, role: StaffRole, name: str | None
) -> None:
    await store.put_staff(session, alliance_id, email, role.value, name)
    await ctx.runtime.outbox.add(
        session,
        StaffMemberAppointed(
            alliance_id=alliance_id, email=email, role=role.value, name=name, at=ctx.clock.now()
        ),
    )
