"""An alliance's invoicing settings and each school's billing details (administrators)."""

from dataclasses import asdict

from services.finance import repository as repo
from services.finance.usecases.access import require_admin
from services.finance.usecases.context import FinanceContext
from services.finance.usecases.models import AllianceBilling, SchoolBilling, SchoolView
from shared.errors import NotFound
from shared.identity import Principal


def alliance_view(row: object) -> AllianceBilling:
    fields = AllianceBilling.__dataclass_fields__
    return AllianceBilling(**{k: row[k] for k in fields})  # type: ignore[index]


async def get_alliance(
    ctx: FinanceContext, principal: Principal, alliance_id: str
) -> AllianceBilling:
    require_admin(principal, alliance_id)
    async with ctx.runtime.sessions() as session:
        row = await repo.get_alliance(session, alliance_id)
    return alliance_view(row) if row is not None else AllianceBilling(name=alliance_id)


async def put_alliance(
    ctx: FinanceContext, principal: Principal, alliance_id: str, billing: AllianceBilling
) -> AllianceBilling:
    require_admin(principal, alliance_id)
    async with ctx.runtime.transaction() as session:
        await repo.put_alliance(session, alliance_id, **asdict(billing))
    return billing


def school_view(row: object) -> SchoolView:
    fields = SchoolView.__dataclass_fields__
    return SchoolView(**{k: row[k] for k in fields})  # type: ignore[index]


async def get_school(
    ctx: FinanceContext, principal: Principal, alliance_id: str, urn: str
) -> SchoolView:
    require_admin(principal, alliance_id)
    async with ctx.runtime.sessions() as session:
        row = await repo.get_school(session, alliance_id, urn)
    if row is None:
        raise NotFound("no such school in this alliance's billing")
    return school_view(row)


async def list_schools(
    ctx: FinanceContext, principal: Principal, alliance_id: str
) -> list[SchoolView]:
    require_admin(principal, alliance_id)
    async with ctx.runtime.sessions() as session:
        rows = await repo.list_schools(session, alliance_id)
    return [school_view(row) for row in rows]


async def put_school(
    ctx: FinanceContext, principal: Principal, alliance_id: str, urn: str, billing: SchoolBilling
) -> SchoolView:
    require_admin(principal, alliance_id)
    values = asdict(billing)
    if values["finance_contact_email"]:
        values["finance_contact_email"] = values["finance_contact_email"].lower()
    async with ctx.runtime.transaction() as session:
        await repo.put_school_billing(session, alliance_id, urn, **values)
        row = await repo.get_school(session, alliance_id, urn)
    assert row is not None
    return school_view(row)
