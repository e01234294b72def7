"""The SQL of what an SLE or a home-school head has to do with: the requests that name the SLE
(proposed to them, or deployed), found by the SLE's directory entry."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.tables import sles, support_requests


async def sle_entry(session: AsyncSession, alliance_id: str, email: str) -> RowMapping | None:
    query = select(sles).where(
        sles.c.alliance_id == alliance_id, func.lower(sles.c.email) == email.lower()
    )
    return (await session.execute(query)).mappings().first()


async def requests_naming_sle(
    session: AsyncSession, alliance_id: str, sle_id: object, statuses: Sequence[str]
) -> Sequence[RowMapping]:
    query = (
        select(support_requests)
        .where(
            support_requests.c.alliance_id == alliance_id,
            support_requests.c.proposed_sle_id == sle_id,
            support_requests.c.status.in_(statuses),
        )
        .order_by(support_requests.c.updated_at.desc(), support_requests.c.reference)
    )
    return (await session.execute(query)).mappings().all()


async def requests_for_home_school(
    session: AsyncSession, alliance_id: str, school_urn: str, statuses: Sequence[str]
) -> Sequence[RowMapping]:
    """Requests whose proposed (or deployed) SLE works at ``school_urn``."""
    query = (
        select(support_requests)
        .join(sles, sles.c.id == support_requests.c.proposed_sle_id)
        .where(
            support_requests.c.alliance_id == alliance_id,
            sles.c.home_school_urn == school_urn,
            support_requests.c.status.in_(statuses),
        )
        .order_by(support_requests.c.updated_at.desc(), support_requests.c.reference)
    )
    return (await session.execute(query)).mappings().all()
