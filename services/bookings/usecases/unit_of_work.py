"""The one place a change is written and announced: lock the course, let the aggregate decide,
then save its changes, re-read the bookings it touched and add the contracts of its domain
events to the outbox, all in one transaction."""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import Context
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import published
from services.bookings import repository as repo
from services.bookings import schedule_store as schedule
from services.bookings.booking_context import Asked, bookings_context, write_new_bookings
from services.bookings.domain.course import Booking, Course
from services.bookings.domain.events import DomainEvent
from services.bookings.store import BookingRow, course_from
from services.bookings.usecases.context import BookingsContext
from shared.contracts.bookings import CourseInfo
from shared.contracts.common import Contact
from shared.errors import NotFound
from shared.storage.direct import DirectConnection, direct_transaction


@dataclass
class UnitOfWork:
    ctx: BookingsContext
    session: AsyncSession

    async def course(self, course_id: UUID, *, skip_locked: bool = False) -> Course | None:
        """The course aggregate, locked until the transaction ends (a bounded wait)."""
        return await repo.load_course(
            self.session,
            course_id,
            lock_timeout_ms=self.ctx.config.lock_timeout_ms,
            skip_locked=skip_locked,
        )

    async def existing_course(self, course_id: UUID) -> Course:
        course = await self.course(course_id)
        if course is None:
            raise NotFound("no such course")
        return course

    async def course_and_booking(self, booking_id: UUID) -> tuple[Course, Booking]:
        """The booking's course and the booking, locked in that order (the order everyone uses)."""
        course_id = await repo.booking_course_id(self.session, booking_id)
        if course_id is None:
            raise NotFound("no such booking")
        course = await self.existing_course(course_id)
        booking = await repo.lock_booking(self.session, booking_id)
        if booking is None:
            raise NotFound("no such booking")
        return course, booking

    async def save(
        self,
        course: Course,
        *,
        read: Sequence[UUID] = (),
        known: Mapping[UUID, BookingRow] | None = None,
    ) -> dict[UUID, BookingRow]:
        """Write the aggregate's changes and announce its events; the touched bookings (and
        those of ``read``, which events name without changing) as read back (with school,
        course title and queue position), by id. ``known`` holds rows the caller can tell
        as they will read once written (a new booking), which are not read back."""
        rows = await self.write(course, read=read, known=known)
        await self.announce(course, rows, [(course.pull_events(), None)])
        return rows

    async def write(
        self,
        course: Course,
        *,
        read: Sequence[UUID] = (),
        known: Mapping[UUID, BookingRow] | None = None,
    ) -> dict[UUID, BookingRow]:
        """``save`` without the events, which stay with the aggregate."""
        known = known or {}
        touched = [id for id in (*course.added, *course.changed, *read) if id not in known]
        await repo.save(self.session, course)
        await schedule.plan(self.session, course.planned)
        course.planned.clear()
        course.added.clear()
        course.changed.clear()
        rows: dict[UUID, BookingRow] = dict(known)
        if touched:
            rows.update(await repo.get_bookings(self.session, touched))
        return rows

    async def announce(
        self,
        course: Course,
        rows: Mapping[UUID, BookingRow],
        events: Sequence[tuple[Sequence[DomainEvent], Context | None]],
    ) -> None:
        """Add the contracts of ``events`` to the outbox, in this order, in one round trip.
        Events come in lots, each with the context of the request that caused them (None: this
        one), whose correlation id and trace they carry: bookings made together answer
        several requests."""
        lots = [(course, lot, context) for lot, context in events]
        await self.ctx.runtime.outbox.insert(self.session, outbox_rows(self.ctx, rows, lots))


def outbox_rows(
    ctx: BookingsContext,
    rows: Mapping[UUID, BookingRow],
    lots: Sequence[tuple[Course, Sequence[DomainEvent], Context | None]],
) -> list[dict[str, Any]]:
    outbox = ctx.runtime.outbox
    described: dict[UUID, tuple[CourseInfo, Contact | None]] = {}
    written: list[dict[str, Any]] = []
    for course, lot, context in lots:
        if not lot:
            continue
        if course.id not in described:
            described[course.id] = (published.course_info(ctx, course), _admin(course))
        info, admin = described[course.id]
        contracts = [published.contract(ctx, event, info, rows, admin) for event in lot]
        if context is None:
            written += outbox.rows(contracts)
        else:
            written += context.run(outbox.rows, contracts)
    return written


def _admin(course: Course) -> Contact | None:
    if not course.administrator_email:
        return None
    return published.contact("Alliance administrator", course.administrator_email, "alliance_admin")


@asynccontextmanager
async def unit_of_work(ctx: BookingsContext) -> AsyncIterator[UnitOfWork]:
    async with ctx.runtime.transaction() as session:
        yield UnitOfWork(ctx, session)


@dataclass
class GroupUnitOfWork:
    """Booking a group of requests: their courses locked, what the group needs read, and all
    it writes, in one transaction on the driver's own connection (``shared.storage.direct``):
    the service's hottest path, three statements and a commit."""

    ctx: BookingsContext
    connection: DirectConnection

    async def courses_for_bookings(
        self, asked: Sequence[Asked], *, skip_held: bool = False
    ) -> tuple[dict[UUID, Course], list[Row | None]]:
        """The aggregates of the courses ``asked`` names that exist, by id, locked (in the order
        of their ids), and in one more round trip what new bookings need, a row per request
        of ``asked`` (``booking_context.bookings_context``; None where the course does not
        exist, or with ``skip_held`` where another transaction holds it)."""
        course_ids = sorted({a.course_id for a in asked})
        locked = await repo.lock_courses(
            self.connection,
            course_ids,
            lock_timeout_ms=self.ctx.config.lock_timeout_ms,
            skip_held=skip_held,
        )
        alliances = {row.id: row.alliance_id for row in locked}
        present = [a for a in asked if a.course_id in alliances]
        found = await bookings_context(self.connection, alliances, present) if present else []
        counts = {
            a.course_id: (row.held, row.waiting) for a, row in zip(present, found, strict=True)
        }
        courses = {row.id: course_from(row, *counts[row.id]) for row in locked}
        rows = iter(found)
        return courses, [next(rows) if a.course_id in courses else None for a in asked]

    async def write_new_bookings(
        self,
        changed: Sequence[Course],
        rows: Mapping[UUID, BookingRow],
        events: Sequence[tuple[Course, Sequence[DomainEvent], Context]],
        keys: Sequence[dict[str, Any]],
    ) -> int:
        """What ``UnitOfWork.write`` and ``announce`` do, for the new bookings of the ``changed``
        courses (``rows``, as ``known``), and their idempotency ``keys``, in one round trip
        (``booking_context.write_new_bookings``); the number of keys written (one already kept
        is not). ``events`` come in lots as for ``announce``, each with its course."""
        return await write_new_bookings(
            self.connection,
            changed,
            self.ctx.runtime.outbox.table,
            outbox_rows(self.ctx, rows, events),
            keys,
        )


@asynccontextmanager
async def group_unit_of_work(ctx: BookingsContext) -> AsyncIterator[GroupUnitOfWork]:
    async with direct_transaction(ctx.runtime.engine) as connection:
        yield GroupUnitOfWork(ctx, connection)
    ctx.runtime.relay.wake()
