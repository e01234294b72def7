"""The SQL of notifications' copy of alliance staff."""

from sqlalchemy import Row, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.tables import staff


async def put(session: AsyncSession, alliance_id: str, email: str, role: str) -> None:
    stmt = insert(staff).values(alliance_id=alliance_id, email=email, role=role)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[staff.c.alliance_id, staff.c.email],
            set_={"role": stmt.excluded.role, "updated_at": func.now()},
        )
    )


async def remove(session: AsyncSession, alliance_id: str, email: str) -> None:
    await session.execute(
        delete(staff).where(staff.c.alliance_id == alliance_id, staff.c.email == email)
    )


async def posts(session: AsyncSession, email: str) -> list[Row]:
    query = select(staff.c.alliance_id, staff.c.role).where(staff.c.email == email)
    return list((await session.execute(query)).all())
