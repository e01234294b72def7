"""The SQL of alliance staff and of who a signed-in person is here (CPD lead, participant)."""

from sqlalchemy import Row, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.tables import bookings, courses, schools, staff


async def alliance_staff(
    session: AsyncSession, alliance_id: str, *, lock: bool = False
) -> list[Row]:
    query = select(staff).where(staff.c.alliance_id == alliance_id).order_by(staff.c.email)
    if lock:
        query = query.with_for_update()
    return list((await session.execute(query)).all())


async def put_staff(
    session: AsyncSession, alliance_id: str, email: str, role: str, name: str | None
) -> None:
    stmt = insert(staff).values(alliance_id=alliance_id, email=email, role=role, name=name)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[staff.c.alliance_id, staff.c.email],
            set_={
                "role": stmt.excluded.role,
                "name": func.coalesce(stmt.excluded.name, staff.c.name),
            },
        )
    )


async def delete_staff(session: AsyncSession, alliance_id: str, email: str) -> None:
    await session.execute(
        delete(staff).where(staff.c.alliance_id == alliance_id, staff.c.email == email)
    )


async def staff_posts(session: AsyncSession, email: str) -> list[Row]:
    query = select(staff.c.alliance_id, staff.c.role).where(staff.c.email == email)
    return list((await session.execute(query)).all())


async def led_schools(session: AsyncSession, email: str) -> list[Row]:
    query = (
        select(schools.c.urn, schools.c.name, schools.c.registered_by_alliance)
        .where(func.lower(schools.c.cpd_lead_email) == email)
        .order_by(schools.c.urn)
    )
    return list((await session.execute(query)).all())


async def participations(session: AsyncSession, email: str) -> list[Row]:
    """(alliance, school) pairs of the bookings made for ``email``."""
    query = (
        select(courses.c.alliance_id, bookings.c.school_urn)
        .join(courses, courses.c.id == bookings.c.course_id)
        .where(func.lower(bookings.c.participant_email) == email)
        .distinct()
        .order_by(courses.c.alliance_id, bookings.c.school_urn)
    )
    return list((await session.execute(query)).all())
