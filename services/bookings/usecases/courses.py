"""Courses: drafted, changed and published by their alliance's administrators; cancelled with
every live booking refunded in full."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from services.bookings import repository as repo
from services.bookings.domain.course import Course
from services.bookings.domain.model import CourseStatus
from services.bookings.usecases.access import check_administers
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import CourseChanges, CourseDetails
from services.bookings.usecases.offers import fill_places
from services.bookings.usecases.read_models import CourseView, course_view
from services.bookings.usecases.unit_of_work import UnitOfWork, unit_of_work
from shared.errors import Invalid
from shared.identity import Principal

EDITABLE = tuple(CourseDetails.model_fields)


def course_values(details: CourseDetails) -> dict[str, Any]:
    """The stored columns of a course's details."""
    values = details.model_dump(mode="json")
    values["sessions"] = [s.model_dump(mode="json") for s in details.sessions]
    values["booking_closes_at"] = details.booking_closes_at
    values["starts_at"] = details.sessions[0].starts_at
    values["ends_at"] = max(s.ends_at for s in details.sessions)
    return values


def _check_future(details: CourseDetails, now: datetime) -> None:
    if details.sessions[0].starts_at <= now:
        raise Invalid(
            "the first session must be in the future",
            errors=[{"field": "sessions", "message": "the first session has already started"}],
        )


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
        for e in exc.errors()
    ]


async def _view(uow: UnitOfWork, course_id: UUID) -> CourseView:
    row = await repo.get_course(uow.session, course_id)
    assert row is not None
    return course_view(uow.ctx, row, uow.ctx.clock.now())


async def _administered(uow: UnitOfWork, principal: Principal, course_id: UUID) -> Course:
    course = await uow.existing_course(course_id)
    check_administers(principal, course.alliance_id, course.status.value)
    return course


async def create_course(
    ctx: BookingsContext, principal: Principal, details: CourseDetails
) -> CourseView:
    _check_future(details, ctx.clock.now())
    course_id = uuid4()
    async with unit_of_work(ctx) as uow:
        await repo.insert_course(
            uow.session,
            {
                "id": course_id,
                "alliance_id": principal.alliance_id,
                "status": CourseStatus.DRAFT.value,
                "created_by": principal.subject,
                "administrator_email": principal.email,
                **course_values(details),
            },
        )
        return await _view(uow, course_id)


async def change_course(
    ctx: BookingsContext, principal: Principal, course_id: UUID, changes: CourseChanges
) -> CourseView:
    async with unit_of_work(ctx) as uow:
        course = await _administered(uow, principal, course_id)
        course.check_can_change()
        stored = await repo.get_course(uow.session, course_id)
        assert stored is not None
        current = {name: stored._mapping[name] for name in EDITABLE}
        try:
            updated = CourseDetails.model_validate(
                {**current, **changes.model_dump(exclude_unset=True)}
            )
        except ValidationError as exc:
            errors = _field_errors(exc)
            raise Invalid(f"{len(errors)} field(s) are invalid", errors=errors) from None
        values = course_values(updated)
        before = course_values(CourseDetails.model_validate(current))
        changed = [name for name in EDITABLE if values[name] != before[name]]
        live = None
        if "sessions" in changed and course.status is CourseStatus.PUBLISHED:
            live = await repo.live_bookings(uow.session, course_id)
        course.revise(values, changed, live)
        if "capacity" in changed and course.status is CourseStatus.PUBLISHED:
            await fill_places(uow, course)
        await uow.save(course)
        return await _view(uow, course_id)


async def publish_course(ctx: BookingsContext, principal: Principal, course_id: UUID) -> CourseView:
    async with unit_of_work(ctx) as uow:
        course = await _administered(uow, principal, course_id)
        course.publish(ctx.clock.now())
        await uow.save(course)
        return await _view(uow, course_id)


async def cancel_course(
    ctx: BookingsContext,
    principal: Principal,
    course_id: UUID,
    reason: str,
    *,
    low_numbers: bool = False,
) -> CourseView:
    """Every live booking is cancelled by the provider and refunded; ``low_numbers`` says the
    course did not reach its minimum viable numbers."""
    async with unit_of_work(ctx) as uow:
        course = await _administered(uow, principal, course_id)
        live = await repo.live_bookings(uow.session, course_id)
        course.cancel(reason, live, principal.email, ctx.clock.now(), low_numbers=low_numbers)
        await uow.save(course)
        return await _view(uow, course_id)
