"""Courses: drafted, changed and published by their alliance's administrators; cancelled with
every live booking refunded in full."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError
from sqlalchemy import Row, func, select

from services.bookings import repository as repo
from services.bookings.api.schemas import (
    CourseFilters,
    CourseIn,
    CourseOut,
    CoursePatch,
    Page,
)
from services.bookings.context import BookingsContext
from services.bookings.domain.model import LIVE, BookingStatus, CourseStatus
from services.bookings.events import booking_info, course_info
from services.bookings.service_layer.access import (
    administered_course,
    is_admin_of,
    visible_course,
)
from services.bookings.service_layer.views import course_out
from services.bookings.service_layer.waitlist import fill_places
from services.bookings.tables import courses
from shared.contracts.bookings import (
    BookingCancelled,
    CourseCancelled,
    CourseChanged,
    CoursePublished,
)
from shared.contracts.common import Contact
from shared.web.auth import Principal
from shared.web.problems import Conflict, Unprocessable, field_errors

EDITABLE = tuple(CourseIn.model_fields)


def course_values(body: CourseIn) -> dict[str, Any]:
    values = body.model_dump(mode="json")
    values["sessions"] = [s.model_dump(mode="json") for s in body.sessions]
    values["booking_closes_at"] = body.booking_closes_at
    values["starts_at"] = body.sessions[0].starts_at
    values["ends_at"] = max(s.ends_at for s in body.sessions)
    return values


def stored_course_in(course: Row) -> dict[str, Any]:
    return {name: course._mapping[name] for name in EDITABLE}


def _check_future(course: CourseIn, now: datetime) -> None:
    if course.sessions[0].starts_at <= now:
        raise Unprocessable(
            "the first session must be in the future",
            errors=[{"field": "sessions", "message": "the first session has already started"}],
        )


async def create_course(ctx: BookingsContext, principal: Principal, body: CourseIn) -> CourseOut:
    _check_future(body, ctx.clock.now())
    course_id = uuid4()
    async with ctx.runtime.transaction() as session:
        await repo.insert_course(
            session,
            {
                "id": course_id,
                "alliance_id": principal.alliance_id,
                "status": CourseStatus.DRAFT.value,
                "created_by": principal.subject,
                **course_values(body),
            },
        )
        row = await repo.get_course(session, course_id)
    assert row is not None
    return course_out(ctx, row, ctx.clock.now())


async def get_course(
    ctx: BookingsContext, principal: Principal | None, course_id: UUID
) -> CourseOut:
    async with ctx.runtime.sessions() as session:
        row = visible_course(principal, await repo.get_course(session, course_id))
    return course_out(ctx, row, ctx.clock.now())


async def list_courses(
    ctx: BookingsContext,
    principal: Principal | None,
    filters: CourseFilters,
    page: int,
    per_page: int,
) -> Page[CourseOut]:
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
    if filters.starts_from:
        conditions.append(
            func.date(func.timezone("Europe/London", courses.c.starts_at)) >= filters.starts_from
        )
    if filters.starts_to:
        conditions.append(
            func.date(func.timezone("Europe/London", courses.c.starts_at)) <= filters.starts_to
        )
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
        items=[course_out(ctx, row, now) for row in rows],
        page=page,
        per_page=per_page,
        total=int(total or 0),
    )


async def change_course(
    ctx: BookingsContext, principal: Principal, course_id: UUID, patch: CoursePatch
) -> CourseOut:
    changes = patch.model_dump(exclude_unset=True)
    async with ctx.runtime.transaction() as session:
        course = administered_course(principal, await repo.lock_course(session, course_id))
        if course.status == CourseStatus.CANCELLED.value:
            raise Conflict("a cancelled course cannot be changed")
        current = stored_course_in(course)
        merged = {**current, **changes}
        try:
            updated = CourseIn.model_validate(merged)
        except ValidationError as exc:
            errors = field_errors(list(exc.errors()))
            raise Unprocessable(f"{len(errors)} field(s) are invalid", errors=errors) from None
        values = course_values(updated)
        before = course_values(CourseIn.model_validate(current))
        changed = [name for name in EDITABLE if values[name] != before[name]]
        held, _ = await repo.counts(session, course_id)
        if updated.capacity < held:
            raise Conflict(
                f"capacity cannot go below the {held} places already confirmed or offered",
                places_held=held,
            )
        if changed:
            await repo.update_course(session, course_id, values)
            course = await repo.lock_course(session, course_id)
            assert course is not None
            if course.status == CourseStatus.PUBLISHED.value:
                await ctx.runtime.outbox.add(
                    session, CourseChanged(course=course_info(ctx, course), changed_fields=changed)
                )
                if "capacity" in changed:
                    await fill_places(ctx, session, course)
        row = await repo.get_course(session, course_id)
    assert row is not None
    return course_out(ctx, row, ctx.clock.now())


async def publish_course(ctx: BookingsContext, principal: Principal, course_id: UUID) -> CourseOut:
    async with ctx.runtime.transaction() as session:
        course = administered_course(principal, await repo.lock_course(session, course_id))
        if course.status != CourseStatus.DRAFT.value:
            raise Conflict(f"only a draft can be published; this course is {course.status}")
        if course.starts_at <= ctx.clock.now():
            raise Conflict("the first session has already started")
        await repo.update_course(session, course_id, {"status": CourseStatus.PUBLISHED.value})
        course = await repo.lock_course(session, course_id)
        assert course is not None
        await ctx.runtime.outbox.add(
            session, CoursePublished(course=course_info(ctx, course), capacity=course.capacity)
        )
        row = await repo.get_course(session, course_id)
    assert row is not None
    return course_out(ctx, row, ctx.clock.now())


def administrator_contact(principal: Principal) -> Contact | None:
    """Who to tell that the cancellation went through: the token's email, where it has one."""
    if not principal.email:
        return None
    return Contact(name="Alliance administrator", email=principal.email, role="alliance_admin")


async def cancel_course(
    ctx: BookingsContext, principal: Principal, course_id: UUID, reason: str
) -> CourseOut:
    async with ctx.runtime.transaction() as session:
        course = administered_course(principal, await repo.lock_course(session, course_id))
        if course.status == CourseStatus.CANCELLED.value:
            raise Conflict("the course is already cancelled")
        live = await repo.booking_ids_in(session, course_id, sorted(LIVE))
        await repo.update_course(
            session,
            course_id,
            {"status": CourseStatus.CANCELLED.value, "cancellation_reason": reason},
        )
        course = await repo.lock_course(session, course_id)
        assert course is not None
        info = course_info(ctx, course)
        await ctx.runtime.outbox.add(
            session,
            CourseCancelled(
                course=info,
                reason=reason,
                bookings_cancelled=len(live),
                administrator=administrator_contact(principal),
            ),
        )
        for booking_id in live:
            await repo.update_booking(
                session,
                booking_id,
                {
                    "status": BookingStatus.CANCELLED.value,
                    "cancelled_by": "alliance",
                    "fee_pence": 0,
                    "status_reason": reason,
                    "offer_expires_at": None,
                },
            )
            booking = await repo.get_booking(session, booking_id)
            assert booking is not None
            await ctx.runtime.outbox.add(
                session,
                BookingCancelled(
                    course=info,
                    booking=booking_info(ctx, booking),
                    cancelled_by="alliance",
                    fee_pence=0,
                    reason=reason,
                ),
            )
        row = await repo.get_course(session, course_id)
    assert row is not None
    return course_out(ctx, row, ctx.clock.now())
