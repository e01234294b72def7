"""Reading courses and bookings: the catalogue, one course, the bookings a person may see."""

from uuid import UUID

from services.bookings import listings
from services.bookings import repository as repo
from services.bookings.domain.model import BookingStatus, CourseStatus
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
    alliance = filters.alliance
    if filters.status is CourseStatus.DRAFT:
        # Drafts are only ever listed to their own alliance's administrators.
        own = principal.alliance_id if principal else ""
        if not is_admin_of(principal, own) or alliance not in (None, own):
            return Page(items=[], page=page, per_page=per_page, total=0)
        alliance = own
    query = listings.CourseQuery(
        status=filters.status,
        alliance_id=alliance,
        strand=filters.strand,
        phase=filters.phase,
        starts_from=filters.starts_from,
        starts_to=filters.starts_to,
        has_places=filters.has_places,
    )
    async with ctx.runtime.sessions() as session:
        total, rows = await listings.list_courses(session, query, page=page, per_page=per_page)
    now = ctx.clock.now()
    return Page(
        items=[course_view(ctx, row, now) for row in rows],
        page=page,
        per_page=per_page,
        total=total,
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
    async with ctx.runtime.sessions() as session:
        total, rows = await listings.list_bookings(
            session,
            listings.BookingScope(
                alliance_id=principal.alliance_id if principal.has(Role.ALLIANCE_ADMIN) else None,
                school_urn=principal.school_urn if principal.has(Role.SCHOOL_LEAD) else None,
                participant_email=principal.email if principal.has(Role.PARTICIPANT) else None,
            ),
            course_id=course_id,
            school_urn=school_urn,
            participant_email=participant_email,
            status=status,
            page=page,
            per_page=per_page,
        )
    return Page(
        items=[booking_view(ctx, r) for r in rows],
        page=page,
        per_page=per_page,
        total=total,
    )
