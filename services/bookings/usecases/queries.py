"""Reading courses and bookings: the catalogue, one course, the bookings a person may see."""

from typing import Any
from uuid import UUID

from sqlalchemy import false, func, or_, select

from services.bookings import repository as repo
from services.bookings.domain.model import BookingStatus, CourseStatus
from services.bookings.tables import bookings, courses
from services.bookings.usecases.access import check_sees_booking, check_visible_course, is_admin_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import CourseFilters
from services.bookings.usecases.read_models import (
    BookingView,
    CourseView,
    Page,
    booking_view,
    course_view,
)
from shared.errors import Forbidden, NotFound
from shared.identity import Principal, Role


async def get_course(
    ctx: BookingsContext, principal: Principal | None, course_id: UUID
) -> CourseView:
    async with ctx.runtime.sessions() as session:
        row = await repo.get_course(session, course_id)
    if row is None:
        raise NotFound("no such course")
    check_visible_course(principal, row.alliance_id, row.status)
    return course_view(ctx, row, ctx.clock.now())


async def list_courses(
    ctx: BookingsContext,
    principal: Principal | None,
    filters: CourseFilters,
    page: int,
    per_page: int,
) -> Page[CourseView]:
    conditions = [courses.c.status == filters.status.value]
    if filters.status is CourseStatus.DRAFT:
        # Drafts are only ever listed to their own alliance's administrators.
        alliance = principal.alliance_id if principal else ""
        if not is_admin_of(principal, alliance):
            return Page(items=[], page=page, per_page=per_page, total=0)
        conditions.append(courses.c.alliance_id == alliance)
    if filters.alliance:
        conditions.append(courses.c.alliance_id == filters.alliance)
    if filters.strand:
        conditions.append(courses.c.strand == filters.strand.value)
    if filters.phase:
        conditions.append(courses.c.phases.contains([filters.phase.value]))
    london_day = func.date(func.timezone("Europe/London", courses.c.starts_at))
    if filters.starts_from:
        conditions.append(london_day >= filters.starts_from)
    if filters.starts_to:
        conditions.append(london_day <= filters.starts_to)
    if filters.has_places is not None:
        free = courses.c.capacity > repo.places_held_expr()
        conditions.append(free if filters.has_places else ~free)
    async with ctx.runtime.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(courses).where(*conditions))
        rows = (
            await session.execute(
                repo.course_select()
                .where(*conditions)
                .order_by(courses.c.starts_at, courses.c.id)
                .limit(per_page)
                .offset((page - 1) * per_page)
            )
        ).all()
    now = ctx.clock.now()
    return Page(
        items=[course_view(ctx, row, now) for row in rows],
        page=page,
        per_page=per_page,
        total=int(total or 0),
    )


async def get_booking(ctx: BookingsContext, principal: Principal, booking_id: UUID) -> BookingView:
    async with ctx.runtime.sessions() as session:
        row = await repo.get_booking(session, booking_id)
    if row is None:
        raise NotFound("no such booking")
    check_sees_booking(principal, row.alliance_id, row)
    return booking_view(ctx, row)


async def list_bookings(
    ctx: BookingsContext,
    principal: Principal,
    *,
    course_id: UUID | None,
    school_urn: str | None,
    participant_email: str | None,
    status: BookingStatus | None,
    page: int,
    per_page: int,
) -> Page[BookingView]:
    if not principal.has(Role.ALLIANCE_ADMIN, Role.SCHOOL_LEAD, Role.PARTICIPANT):
        raise Forbidden("bookings are seen by administrators, school leads and participants")
    scopes: list[Any] = []
    if principal.has(Role.ALLIANCE_ADMIN):
        scopes.append(courses.c.alliance_id == principal.alliance_id)
    if principal.has(Role.SCHOOL_LEAD) and principal.school_urn:
        scopes.append(bookings.c.school_urn == principal.school_urn)
    if principal.has(Role.PARTICIPANT) and principal.email:
        scopes.append(func.lower(bookings.c.participant_email) == principal.email.lower())
    conditions: list[Any] = [or_(*scopes) if scopes else false()]
    if course_id:
        conditions.append(bookings.c.course_id == course_id)
    if school_urn:
        conditions.append(bookings.c.school_urn == school_urn)
    if participant_email:
        conditions.append(func.lower(bookings.c.participant_email) == participant_email.lower())
    if status:
        conditions.append(bookings.c.status == status.value)
    async with ctx.runtime.sessions() as session:
        total = await session.scalar(
            select(func.count())
            .select_from(bookings.join(courses, courses.c.id == bookings.c.course_id))
            .where(*conditions)
        )
        rows = (
            await session.execute(
                repo.booking_select()
                .where(*conditions)
                .order_by(bookings.c.created_at, bookings.c.queue_seq, bookings.c.id)
                .limit(per_page)
                .offset((page - 1) * per_page)
            )
        ).all()
    return Page(
        items=[booking_view(ctx, r) for r in rows],
        page=page,
        per_page=per_page,
        total=int(total or 0),
    )
