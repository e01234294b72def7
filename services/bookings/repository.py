"""SQL for courses, bookings and schools. Functions take the caller's session (its transaction).

Rows become the course aggregate and its bookings here (``store.py`` holds the mapping), and
the aggregate's changes go back in ``save``.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, Uuid, any_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.domain.course import Booking, Course
from services.bookings.domain.model import HOLDS_PLACE, LIVE, BookingStatus
from services.bookings.store import booking_from, booking_values, course_from
from services.bookings.tables import bookings, courses, memberships, schools
from shared.storage.direct import Direct, DirectConnection
from shared.storage.inline import inline

HELD = [s.value for s in HOLDS_PLACE]
# The live statuses and 'offered' written into the SQL text, so that the generic plans of the
# prepared statements can use the partial indexes on them (uq_bookings_live_participant,
# ix_bookings_offers_due) rather than read every booking of the course, or of all courses.
LIVE_INLINE = [inline(s) for s in sorted(s.value for s in LIVE)]
OFFERED_INLINE = inline(BookingStatus.OFFERED.value)


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


def _lock_course_statement(skip_locked: bool) -> Any:
    limit = func.set_config("lock_timeout", bindparam("lock_timeout"), True)
    return (
        select(courses, limit.label("lock_timeout"))
        .where(courses.c.id == bindparam("course_id"))
        .with_for_update(of=courses, skip_locked=skip_locked)
    )


# Built once: a statement object keeps its cache key, so each call only binds its values.
LOCK_COURSE = {skip: _lock_course_statement(skip) for skip in (False, True)}


async def lock_course(
    session: AsyncSession, course_id: UUID, *, lock_timeout_ms: int, skip_locked: bool = False
) -> Row | None:
    """The course row, locked for this transaction: every capacity decision happens under it.

    A wait for the lock is bounded: ``set_config(..., true)`` is ``SET LOCAL lock_timeout``,
    evaluated as the row is read, before the lock is waited for, in the same round trip. A
    wait that runs out raises (SQLSTATE 55P03) and rolls the transaction back.
    """
    values = {"course_id": course_id, "lock_timeout": f"{int(lock_timeout_ms)}ms"}
    return (await session.execute(LOCK_COURSE[skip_locked], values)).first()


LOCK_COURSES = (
    select(courses, func.set_config("lock_timeout", bindparam("lock_timeout"), True))
    .where(courses.c.id == any_(bindparam("course_ids", type_=ARRAY(Uuid))))
    .order_by(courses.c.id)
    .with_for_update(of=courses)
)


LOCK_FREE_COURSES = LOCK_COURSES.with_for_update(of=courses, skip_locked=True)

_LOCK_COURSES = {False: Direct(LOCK_COURSES), True: Direct(LOCK_FREE_COURSES)}


async def lock_courses(
    connection: DirectConnection,
    course_ids: Sequence[UUID],
    *,
    lock_timeout_ms: int,
    skip_held: bool = False,
) -> list[Row]:
    """The rows of those of ``course_ids`` that exist, locked for this transaction in the order
    of their ids (the order every transaction locking several courses keeps, so that two never
    wait for each other). Each wait is bounded as in ``lock_course``; with ``skip_held``, none:
    a course another transaction holds is left out as if it did not exist."""
    values = {"course_ids": list(course_ids), "lock_timeout": f"{int(lock_timeout_ms)}ms"}
    return await connection.all(_LOCK_COURSES[skip_held], values)


async def insert_course(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(courses).values(**values))


# A booking's one change to its course, built once (``update_course`` builds the others).
TAKE_QUEUE_SEQ = (
    update(courses)
    .where(courses.c.id == bindparam("course_id"))
    .values(queue_seq=bindparam("queue_seq"), updated_at=func.now())
)


async def update_course(session: AsyncSession, course_id: UUID, values: dict[str, Any]) -> None:
    if values.keys() == {"queue_seq"}:
        await session.execute(TAKE_QUEUE_SEQ, {"course_id": course_id, **values})
        return
    await session.execute(
        update(courses).where(courses.c.id == course_id).values(**values, updated_at=func.now())
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
    """A booking with its course title, alliance and start, its school, and its queue position."""
    return (
        select(
            bookings,
            courses.c.title.label("course_title"),
            courses.c.alliance_id.label("alliance_id"),
            courses.c.member_price_pence,
            courses.c.non_member_price_pence,
            courses.c.starts_at.label("course_starts_at"),
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


async def lock_booking(session: AsyncSession, booking_id: UUID) -> Booking | None:
    row = (
        await session.execute(select(bookings).where(bookings.c.id == booking_id).with_for_update())
    ).first()
    return booking_from(row) if row is not None else None


async def live_booking_for(session: AsyncSession, course_id: UUID, email: str) -> UUID | None:
    return await session.scalar(
        select(bookings.c.id).where(
            bookings.c.course_id == course_id,
            func.lower(bookings.c.participant_email) == email.lower(),
            bookings.c.status.in_(LIVE_INLINE),
        )
    )


BOOKINGS_BY_ID = booking_select().where(bookings.c.id.in_(bindparam("ids", expanding=True)))


async def get_bookings(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, Row]:
    rows = (await session.execute(BOOKINGS_BY_ID, {"ids": list(ids)})).all()
    return {row.id: row for row in rows}


async def load_course(
    session: AsyncSession, course_id: UUID, *, lock_timeout_ms: int, skip_locked: bool = False
) -> Course | None:
    """The course aggregate, locked: its row, then its counts (read under the lock)."""
    row = await lock_course(
        session, course_id, lock_timeout_ms=lock_timeout_ms, skip_locked=skip_locked
    )
    if row is None:
        return None
    held, waiting = await counts(session, course_id)
    return course_from(row, held, waiting)


async def save(session: AsyncSession, course: Course) -> None:
    """Write what the aggregate changed: the course row, new bookings, changed bookings."""
    if course.updates:
        values = {k: getattr(v, "value", v) for k, v in course.updates.items()}
        await update_course(session, course.id, values)
        course.updates.clear()
    if course.added:
        await session.execute(insert(bookings), [booking_values(b) for b in course.added.values()])
    for booking in course.changed.values():
        values = booking_values(booking)
        del values["id"]
        await session.execute(
            update(bookings)
            .where(bookings.c.id == booking.id)
            .values(**values, updated_at=func.now())
        )


async def first_waiting(session: AsyncSession, course_id: UUID, limit: int) -> list[Booking]:
    rows = await session.execute(
        select(bookings)
        .where(
            bookings.c.course_id == course_id,
            bookings.c.status == BookingStatus.WAITLISTED.value,
        )
        .order_by(bookings.c.queue_seq)
        .limit(limit)
        .with_for_update()
    )
    return [booking_from(row) for row in rows]


async def live_bookings(session: AsyncSession, course_id: UUID) -> list[Booking]:
    rows = await session.execute(
        select(bookings)
        .where(bookings.c.course_id == course_id, bookings.c.status.in_([s.value for s in LIVE]))
        .order_by(bookings.c.created_at)
        .with_for_update()
    )
    return [booking_from(row) for row in rows]


COURSES_WITH_DUE_OFFERS = (
    select(bookings.c.course_id)
    .where(bookings.c.status == OFFERED_INLINE, bookings.c.offer_expires_at <= bindparam("now"))
    .group_by(bookings.c.course_id)
    .order_by(func.min(bookings.c.offer_expires_at))
    .limit(bindparam("limit"))
)


async def courses_with_due_offers(session: AsyncSession, now: datetime, limit: int) -> list[UUID]:
    rows = await session.scalars(COURSES_WITH_DUE_OFFERS, {"now": now, "limit": limit})
    return list(rows)


async def due_offers(session: AsyncSession, course_id: UUID, now: datetime) -> list[Booking]:
    rows = await session.execute(
        select(bookings)
        .where(
            bookings.c.course_id == course_id,
            bookings.c.status == OFFERED_INLINE,
            bookings.c.offer_expires_at <= now,
        )
        .order_by(bookings.c.offer_expires_at)
        .with_for_update(skip_locked=True)
    )
    return [booking_from(row) for row in rows]


async def get_school(session: AsyncSession, urn: str, *, lock: bool = False) -> Row | None:
    query = select(schools).where(schools.c.urn == urn)
    return (await session.execute(query.with_for_update() if lock else query)).first()


async def insert_school(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(schools).values(**values))


async def update_school(session: AsyncSession, urn: str, values: dict[str, Any]) -> None:
    await session.execute(
        update(schools).where(schools.c.urn == urn).values(**values, updated_at=func.now())
    )


async def add_membership(session: AsyncSession, alliance_id: str, urn: str) -> bool:
    """True when the school was not a member yet."""
    added = await session.scalar(
        pg_insert(memberships)
        .values(alliance_id=alliance_id, urn=urn)
        .on_conflict_do_nothing()
        .returning(memberships.c.urn)
    )
    return added is not None


async def remove_membership(session: AsyncSession, alliance_id: str, urn: str) -> bool:
    removed = await session.execute(
        delete(memberships).where(
            memberships.c.alliance_id == alliance_id, memberships.c.urn == urn
        )
    )
    return bool(removed.rowcount)


async def members_of(session: AsyncSession, alliance_id: str) -> Sequence[Row]:
    return (
        await session.execute(
            select(memberships.c.alliance_id, memberships.c.urn, schools.c.name)
            .join(schools, schools.c.urn == memberships.c.urn)
            .where(memberships.c.alliance_id == alliance_id)
            .order_by(schools.c.name)
        )
    ).all()


async def school_alliances(session: AsyncSession, urn: str) -> list[str]:
    rows = await session.scalars(
        select(memberships.c.alliance_id)
        .where(memberships.c.urn == urn)
        .order_by(memberships.c.alliance_id)
    )
    return list(rows)
