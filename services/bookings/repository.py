"""SQL for courses, bookings and schools. Functions take the caller's session (its transaction)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.domain.model import HOLDS_PLACE, LIVE, BookingStatus, CourseStatus
from services.bookings.tables import bookings, courses, memberships, schools

HELD = [s.value for s in HOLDS_PLACE]


def places_held_expr() -> Any:
    return (
        select(func.count())
        .where(bookings.c.course_id == courses.c.id, bookings.c.status.in_(HELD))
        .correlate(courses)
        .scalar_subquery()
    )


def course_select() -> Any:
    return select(courses, places_held_expr().label("places_held"))


async def get_course(session: AsyncSession, course_id: UUID) -> Row | None:
    return (await session.execute(course_select().where(courses.c.id == course_id))).first()


async def lock_course(
    session: AsyncSession, course_id: UUID, *, skip_locked: bool = False
) -> Row | None:
    """The course row, locked for this transaction: every capacity decision happens under it."""
    query = (
        select(courses).where(courses.c.id == course_id).with_for_update(skip_locked=skip_locked)
    )
    return (await session.execute(query)).first()


async def insert_course(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(courses).values(**values))


async def update_course(session: AsyncSession, course_id: UUID, values: dict[str, Any]) -> None:
    await session.execute(
        update(courses).where(courses.c.id == course_id).values(**values, updated_at=func.now())
    )


async def next_queue_seq(session: AsyncSession, course_id: UUID) -> int:
    """The next place in this course's queue; call only while holding the course lock."""
    return int(
        await session.scalar(
            update(courses)
            .where(courses.c.id == course_id)
            .values(queue_seq=courses.c.queue_seq + 1)
            .returning(courses.c.queue_seq)
        )
    )


async def counts(session: AsyncSession, course_id: UUID) -> tuple[int, int]:
    """(places held, bookings waiting) on a course."""
    row = (
        await session.execute(
            select(
                func.count().filter(bookings.c.status.in_(HELD)),
                func.count().filter(bookings.c.status == BookingStatus.WAITLISTED.value),
            ).where(bookings.c.course_id == course_id)
        )
    ).one()
    return int(row[0]), int(row[1])


def _position_expr() -> Any:
    waiting = bookings.alias("waiting")
    return (
        select(func.count())
        .where(
            waiting.c.course_id == bookings.c.course_id,
            waiting.c.status == BookingStatus.WAITLISTED.value,
            waiting.c.queue_seq <= bookings.c.queue_seq,
        )
        .correlate(bookings)
        .scalar_subquery()
    )


def booking_select() -> Any:
    """A booking with its course title and alliance, its school, and its queue position."""
    return (
        select(
            bookings,
            courses.c.title.label("course_title"),
            courses.c.alliance_id.label("alliance_id"),
            schools.c.name.label("school_name"),
            schools.c.cpd_lead_name,
            schools.c.cpd_lead_email,
            _position_expr().label("position"),
        )
        .join(courses, courses.c.id == bookings.c.course_id)
        .join(schools, schools.c.urn == bookings.c.school_urn, isouter=True)
    )


async def get_booking(session: AsyncSession, booking_id: UUID) -> Row | None:
    return (await session.execute(booking_select().where(bookings.c.id == booking_id))).first()


async def booking_course_id(session: AsyncSession, booking_id: UUID) -> UUID | None:
    return await session.scalar(select(bookings.c.course_id).where(bookings.c.id == booking_id))


async def lock_booking(session: AsyncSession, booking_id: UUID) -> Row | None:
    return (
        await session.execute(
            select(bookings.c.id, bookings.c.status)
            .where(bookings.c.id == booking_id)
            .with_for_update()
        )
    ).first()


async def live_booking_for(session: AsyncSession, course_id: UUID, email: str) -> UUID | None:
    return await session.scalar(
        select(bookings.c.id).where(
            bookings.c.course_id == course_id,
            func.lower(bookings.c.participant_email) == email.lower(),
            bookings.c.status.in_([s.value for s in LIVE]),
        )
    )


async def insert_booking(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(bookings).values(**values))


async def update_booking(session: AsyncSession, booking_id: UUID, values: dict[str, Any]) -> None:
    await session.execute(
        update(bookings).where(bookings.c.id == booking_id).values(**values, updated_at=func.now())
    )


async def first_waiting(session: AsyncSession, course_id: UUID, limit: int) -> Sequence[UUID]:
    rows = await session.scalars(
        select(bookings.c.id)
        .where(
            bookings.c.course_id == course_id,
            bookings.c.status == BookingStatus.WAITLISTED.value,
        )
        .order_by(bookings.c.queue_seq)
        .limit(limit)
        .with_for_update()
    )
    return list(rows)


async def booking_ids_in(
    session: AsyncSession, course_id: UUID, statuses: Sequence[BookingStatus]
) -> Sequence[UUID]:
    rows = await session.scalars(
        select(bookings.c.id)
        .where(
            bookings.c.course_id == course_id, bookings.c.status.in_([s.value for s in statuses])
        )
        .order_by(bookings.c.created_at)
        .with_for_update()
    )
    return list(rows)


async def courses_with_due_offers(session: AsyncSession, now: datetime, limit: int) -> list[UUID]:
    rows = await session.scalars(
        select(bookings.c.course_id)
        .where(
            bookings.c.status == BookingStatus.OFFERED.value,
            bookings.c.offer_expires_at <= now,
        )
        .group_by(bookings.c.course_id)
        .order_by(func.min(bookings.c.offer_expires_at))
        .limit(limit)
    )
    return list(rows)


async def due_offers(session: AsyncSession, course_id: UUID, now: datetime) -> Sequence[UUID]:
    rows = await session.scalars(
        select(bookings.c.id)
        .where(
            bookings.c.course_id == course_id,
            bookings.c.status == BookingStatus.OFFERED.value,
            bookings.c.offer_expires_at <= now,
        )
        .order_by(bookings.c.offer_expires_at)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def get_school(session: AsyncSession, urn: str) -> Row | None:
    return (await session.execute(select(schools).where(schools.c.urn == urn))).first()


async def get_school_for(session: AsyncSession, urn: str, alliance_id: str) -> Row | None:
    """The school, with ``is_member``: whether it belongs to ``alliance_id``."""
    member = (
        select(memberships.c.urn)
        .where(memberships.c.urn == schools.c.urn, memberships.c.alliance_id == alliance_id)
        .exists()
    )
    query = select(schools, member.label("is_member")).where(schools.c.urn == urn)
    return (await session.execute(query)).first()


async def school_alliances(session: AsyncSession, urn: str) -> list[str]:
    rows = await session.scalars(
        select(memberships.c.alliance_id)
        .where(memberships.c.urn == urn)
        .order_by(memberships.c.alliance_id)
    )
    return list(rows)


def published_only() -> Any:
    return courses.c.status == CourseStatus.PUBLISHED.value
