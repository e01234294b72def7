"""The SQL of who a signed-in person is in brokerage: SLEs and their home schools' heads."""

from sqlalchemy import Row, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.tables import sles


async def directory_entries(session: AsyncSession, email: str) -> list[Row]:
    query = select(
        sles.c.alliance_id, sles.c.email, sles.c.home_school_urn, sles.c.home_head_email
    ).where(or_(func.lower(sles.c.email) == email, func.lower(sles.c.home_head_email) == email))
    return list((await session.execute(query)).all())
