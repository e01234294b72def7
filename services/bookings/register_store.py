"""SQL for the register (attendance per session) and evaluations. Functions take the caller's
session (its transaction)."""

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.domain.course import Booking
from services.bookings.domain.model import BookingStatus
from services.bookings.store import booking_from
from services.bookings.tables import attendance, bookings, evaluations


async def confirmed_bookings(
    session: AsyncSession, course_id: UUID, ids: list[UUID] | None = None
) -> list[Booking]:
    """The course's confirmed bookings (those of ``ids`` only, if given), locked."""
    query = select(bookings).where(
        bookings.c.course_id == course_id, bookings.c.status == BookingStatus.CONFIRMED.value
    )
    if ids is not None:
        query = query.where(bookings.c.id.in_(ids))
    rows = await session.execute(query.order_by(bookings.c.created_at).with_for_update())
    return [booking_from(row) for row in rows]


async def mark(
    session: AsyncSession,
    session_index: int,
    marks: dict[UUID, bool],
    recorded_by: str,
    now: datetime,
) -> None:
    """Record (or correct) each booking's mark for one session."""
    statement = pg_insert(attendance).values(
        [
            {
                "booking_id": booking_id,
                "session_index": session_index,
                "attended": attended,
                "recorded_by": recorded_by,
                "recorded_at": now,
            }
            for booking_id, attended in marks.items()
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            constraint="pk_attendance",
            set_={
                "attended": statement.excluded.attended,
                "recorded_by": statement.excluded.recorded_by,
                "recorded_at": statement.excluded.recorded_at,
            },
        )
    )


async def sessions_present(session: AsyncSession, course_id: UUID) -> dict[UUID, set[int]]:
    """For each booking on the course, the sessions it was marked present at."""
    rows = await session.execute(
        select(attendance.c.booking_id, attendance.c.session_index)
        .join(bookings, bookings.c.id == attendance.c.booking_id)
        .where(bookings.c.course_id == course_id, attendance.c.attended.is_(True))
    )
    present: dict[UUID, set[int]] = defaultdict(set)
    for booking_id, index in rows:
        present[booking_id].add(index)
    return present


async def booking_sessions(session: AsyncSession, booking_id: UUID) -> set[int]:
    rows = await session.scalars(
        select(attendance.c.session_index).where(
            attendance.c.booking_id == booking_id, attendance.c.attended.is_(True)
        )
    )
    return set(rows)


async def register(session: AsyncSession, course_id: UUID) -> list[Row]:
    """Every mark on the course: booking, session, attended."""
    rows = await session.execute(
        select(attendance.c.booking_id, attendance.c.session_index, attendance.c.attended)
        .join(bookings, bookings.c.id == attendance.c.booking_id)
        .where(bookings.c.course_id == course_id)
        .order_by(attendance.c.session_index, attendance.c.booking_id)
    )
    return list(rows)


async def session_marks(
    session: AsyncSession, course_id: UUID, session_index: int
) -> dict[UUID, bool]:
    """Each booking's saved mark for one session of the course (empty: no register yet)."""
    rows = await session.execute(
        select(attendance.c.booking_id, attendance.c.attended)
        .join(bookings, bookings.c.id == attendance.c.booking_id)
        .where(bookings.c.course_id == course_id, attendance.c.session_index == session_index)
    )
    return {booking_id: attended for booking_id, attended in rows}


async def attendees(session: AsyncSession, course_id: UUID) -> int:
    settled = [BookingStatus.ATTENDED.value, BookingStatus.PARTLY_ATTENDED.value]
    count = await session.scalar(
        select(func.count()).where(
            bookings.c.course_id == course_id, bookings.c.status.in_(settled)
        )
    )
    return int(count or 0)


async def add_evaluation(session: AsyncSession, values: dict[str, Any]) -> bool:
    """False when the booking has already been evaluated."""
    added = await session.scalar(
        pg_insert(evaluations)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(evaluations.c.booking_id)
    )
    return added is not None


async def evaluation_summary(session: AsyncSession, course_id: UUID) -> tuple[Row, list[Row]]:
    """(count, average and per-rating counts) and the comments, newest first."""
    totals = (
        await session.execute(
            select(
                func.count().label("responses"),
                func.avg(evaluations.c.rating).label("average"),
                *(
                    func.count().filter(evaluations.c.rating == n).label(f"rated_{n}")
                    for n in range(1, 6)
                ),
            ).where(evaluations.c.course_id == course_id)
        )
    ).one()
    comments = await session.execute(
        select(evaluations.c.rating, evaluations.c.comments, evaluations.c.submitted_at)
        .where(evaluations.c.course_id == course_id, evaluations.c.comments.is_not(None))
        .order_by(evaluations.c.submitted_at.desc())
    )
    return totals, list(comments)
