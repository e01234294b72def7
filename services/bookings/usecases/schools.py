"""Schools and alliance membership: data the alliances (and each school's CPD lead) keep.

A school is one record by URN, shared by every alliance it belongs to. It can be registered by
any alliance administrator or by its own CPD lead; afterwards only its own CPD lead and the
administrators of the alliance that registered it may change it (its name, its CPD lead, whether
bookings need approval). Membership gives a school an alliance's member price, never control
of the record other alliances rely on: every CPD lead email goes where the record says.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import repository as repo
from services.bookings.usecases.access import is_admin_of, is_school_lead_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import SchoolDetails
from services.bookings.usecases.read_models import MembershipView, SchoolView
from shared.errors import Forbidden, NotFound
from shared.identity import Principal, Role


async def _school_view(session: AsyncSession, urn: str) -> SchoolView:
    row = await repo.get_school(session, urn)
    if row is None:
        raise NotFound("no such school")
    return SchoolView(
        urn=row.urn,
        name=row.name,
        cpd_lead_name=row.cpd_lead_name,
        cpd_lead_email=row.cpd_lead_email,
        requires_approval=row.requires_approval,
        alliances=await repo.school_alliances(session, urn),
    )


async def put_school(
    ctx: BookingsContext, principal: Principal, urn: str, body: SchoolDetails
) -> tuple[SchoolView, bool]:
    """(the school, whether it was created)."""
    lead = is_school_lead_of(principal, urn)
    if not (lead or principal.has(Role.ALLIANCE_ADMIN)):
        raise Forbidden("schools are kept by their CPD lead and alliance administrators")
    values = {
        "name": body.name,
        "cpd_lead_name": body.cpd_lead_name,
        "cpd_lead_email": body.cpd_lead_email.lower(),
        "requires_approval": body.requires_approval,
    }
    async with ctx.runtime.transaction() as session:
        existing = await repo.get_school(session, urn, lock=True)
        if existing is None:
            registered_by = principal.alliance_id if principal.has(Role.ALLIANCE_ADMIN) else None
            await repo.insert_school(
                session, {"urn": urn, "registered_by_alliance": registered_by, **values}
            )
            created = True
        else:
            if not (lead or is_admin_of(principal, existing.registered_by_alliance)):
                raise Forbidden(
                    "this school is kept by its own CPD lead and the administrators of the "
                    "alliance that registered it; membership does not let you change it"
                )
            await repo.update_school(session, urn, values)
            created = False
        return await _school_view(session, urn), created


async def get_school(ctx: BookingsContext, principal: Principal, urn: str) -> SchoolView:
    async with ctx.runtime.sessions() as session:
        row = await repo.get_school(session, urn)
        if row is None:
            raise NotFound("no such school")
        school = await _school_view(session, urn)
    keepers = [a for a in [*school.alliances, row.registered_by_alliance] if a]
    if not (is_school_lead_of(principal, urn) or any(is_admin_of(principal, a) for a in keepers)):
        raise NotFound("no such school")
    return school


def _check_admin(principal: Principal, alliance_id: str) -> None:
    if not is_admin_of(principal, alliance_id):
        raise Forbidden("only this alliance's administrators keep its membership")


async def add_member(
    ctx: BookingsContext, principal: Principal, alliance_id: str, urn: str
) -> tuple[MembershipView, bool]:
    _check_admin(principal, alliance_id)
    async with ctx.runtime.transaction() as session:
        school = await repo.get_school(session, urn)
        if school is None:
            raise NotFound("no such school: register it first with PUT /schools/{urn}")
        added = await repo.add_membership(session, alliance_id, urn)
    return MembershipView(alliance_id=alliance_id, urn=urn, school_name=school.name), bool(added)


async def remove_member(
    ctx: BookingsContext, principal: Principal, alliance_id: str, urn: str
) -> None:
    _check_admin(principal, alliance_id)
    async with ctx.runtime.transaction() as session:
        if not await repo.remove_membership(session, alliance_id, urn):
            raise NotFound("this school is not a member of this alliance")


async def list_members(
    ctx: BookingsContext, principal: Principal, alliance_id: str
) -> list[MembershipView]:
    _check_admin(principal, alliance_id)
    async with ctx.runtime.sessions() as session:
        rows = await repo.members_of(session, alliance_id)
    return [MembershipView(alliance_id=r.alliance_id, urn=r.urn, school_name=r.name) for r in rows]
