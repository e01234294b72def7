"""The read side's SQL: the catalogue and the bookings a person may see, filtered and paged."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.domain.model import BookingStatus, CourseStatus, Phase, Strand
from services.bookings.repository import booking_select, course_select, places_held_expr
from services.bookings.tables import bookings, courses


@dataclass(frozen=True)
class CourseQuery:
    """Which courses: ``None`` leaves a filter out; dates are London dates of the first session."""

    status: CourseStatus
    alliance_id: str | None = None
    strand: Strand | None = None
    phase: Phase | None = None
    starts_from: date | None = None
    starts_to: date | None = None
    has_places: bool | None = None
    starts_after: datetime | None = None
    """Only courses whose first session starts after this moment (the public catalogue's now)."""


async def list_courses(
    session: AsyncSession, query: CourseQuery, *, page: int, per_page: int
) -> tuple[int, Sequence[Row]]:
    """(how many match, this page of ``course_select()`` rows)."""
    conditions = [courses.c.status == query.status.value]
    if query.alliance_id is not None:
        conditions.append(courses.c.alliance_id == query.alliance_id)
    if query.strand:
        conditions.append(courses.c.strand == query.strand.value)
    if query.phase:
        conditions.append(courses.c.phases.contains([query.phase.value]))
    london_day = func.date(func.timezone("Europe/London", courses.c.starts_at))
    if query.starts_from:
        conditions.append(london_day >= query.starts_from)
    if query.starts_to:
        conditions.append(london_day <= query.starts_to)
    if query.starts_after is not None:
        conditions.append(courses.c.starts_at > query.starts_after)
    if query.has_places is not None:
        free = courses.c.capacity > places_held_expr()
        conditions.append(free if query.has_places else ~free)
    total = await session.scalar(select(func.count()).select_from(courses).where(*conditions))
    rows = (
        await session.execute(
            course_select()
            .where(*conditions)
            .order_by(courses.c.starts_at, courses.c.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    ).all()
    return int(total or 0), rows


@dataclass(frozen=True)
class BookingScope:
    """What a person may see: an alliance's bookings, a school's, or their own (any of them)."""

    alliance_id: str | None = None
    school_urn: str | None = None
    participant_email: str | None = None


async def list_bookings(
    session: AsyncSession,
    scope: BookingScope,
    *,
    course_id: UUID | None,
    school_urn: str | None,
    participant_email: str | None,
    status: BookingStatus | None,
    page: int,
    per_page: int,
) -> tuple[int, Sequence[Row]]:
    """(how many match, this page of ``booking_select()`` rows) within ``scope``."""
    scopes: list[Any] = []
    if scope.alliance_id:
        scopes.append(courses.c.alliance_id == scope.alliance_id)
    if scope.school_urn:
        scopes.append(bookings.c.school_urn == scope.school_urn)
    if scope.participant_email:
        scopes.append(func.lower(bookings.c.participant_email) == scope.participant_email.lower())
    conditions: list[Any] = [or_(*scopes) if scopes else false()]
    if course_id:
        conditions.append(bookings.c.course_id == course_id)
    if school_urn:
        conditions.append(bookings.c.school_urn == school_urn)
    if participant_email:
        conditions.append(func.lower(bookings.c.participant_email) == participant_email.lower())
    if status:
        conditions.append(bookings.c.status == status.value)
    total = await session.scalar(
        select(func.count())
        .select_from(bookings.join(courses, courses.c.id == bookings.c.course_id))
        .where(*conditions)
    )
    rows = (
        await session.execute(
            booking_select()
            .where(*conditions)
            .order_by(bookings.c.created_at, bookings.c.queue_seq, bookings.c.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    ).all()
    return int(total or 0), rows


@dataclass(frozen=True)
class OfferCounts:
    """How many upcoming published courses each alliance offers, per strand and per phase."""

    by_strand: dict[tuple[str, str], int]
    by_phase: dict[tuple[str, str], int]
    totals: dict[str, int]


async def offer_counts(session: AsyncSession, starts_after: datetime) -> OfferCounts:
    """Two grouped reads over the published courses that have not started yet."""
    upcoming = [
        courses.c.status == CourseStatus.PUBLISHED.value,
        courses.c.starts_at > starts_after,
    ]
    strands = await session.execute(
        select(courses.c.alliance_id, courses.c.strand, func.count())
        .where(*upcoming)
        .group_by(courses.c.alliance_id, courses.c.strand)
    )
    phase = func.unnest(courses.c.phases).label("phase")
    per_phase = select(courses.c.alliance_id, phase).where(*upcoming).subquery()
    phases = await session.execute(
        select(per_phase.c.alliance_id, per_phase.c.phase, func.count()).group_by(
            per_phase.c.alliance_id, per_phase.c.phase
        )
    )
    by_strand = {(alliance, strand): int(n) for alliance, strand, n in strands.all()}
    totals: dict[str, int] = {}
    for (alliance, _), n in by_strand.items():
        totals[alliance] = totals.get(alliance, 0) + n
    return OfferCounts(
        by_strand=by_strand,
        by_phase={(alliance, p): int(n) for alliance, p, n in phases.all()},
        totals=totals,
    )


async def bookings_by_start(
    session: AsyncSession,
    scope: BookingScope,
    *,
    now: datetime,
    upcoming: bool,
    status: BookingStatus | None = None,
    limit: int,
) -> tuple[int, Sequence[Row]]:
    """(how many, up to ``limit`` ``booking_select()`` rows) within ``scope`` whose course starts
    after ``now`` (soonest first) or, not ``upcoming``, has started (latest first)."""
    scopes: list[Any] = []
    if scope.school_urn:
        scopes.append(bookings.c.school_urn == scope.school_urn)
    if scope.participant_email:
        scopes.append(func.lower(bookings.c.participant_email) == scope.participant_email.lower())
    conditions: list[Any] = [
        or_(*scopes) if scopes else false(),
        courses.c.starts_at > now if upcoming else courses.c.starts_at <= now,
    ]
    if status:
        conditions.append(bookings.c.status == status.value)
    order = courses.c.starts_at.asc() if upcoming else courses.c.starts_at.desc()
    total = await session.scalar(
        select(func.count())
        .select_from(bookings.join(courses, courses.c.id == bookings.c.course_id))
        .where(*conditions)
    )
    rows = (
        await session.execute(
            booking_select().where(*conditions).order_by(order, bookings.c.created_at).limit(limit)
        )
    ).all()
    return int(total or 0), rows
