"""The register: an administrator or the course's facilitator marks each confirmed booking
attended or absent per session; closing it after the last session settles every booking as
attended, partly attended or no-show (with the policy's no-show fee)."""

from uuid import UUID

from services.bookings import register_store as registers
from services.bookings.domain.course import Course
from services.bookings.usecases.access import is_admin_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import RegisterMarks
from services.bookings.usecases.unit_of_work import UnitOfWork, unit_of_work
from shared.errors import Forbidden, Invalid
from shared.identity import Principal


def is_facilitator_of(principal: Principal, course: Course) -> bool:
    return (
        principal.alliance_id == course.alliance_id
        and principal.email is not None
        and course.facilitator_email is not None
        and principal.email.lower() == course.facilitator_email.lower()
    )


async def _keeper(uow: UnitOfWork, principal: Principal, course_id: UUID) -> Course:
    """The course, locked, if the principal keeps its register."""
    course = await uow.existing_course(course_id)
    if not (is_admin_of(principal, course.alliance_id) or is_facilitator_of(principal, course)):
        raise Forbidden("only the course's administrators or its facilitator keep its register")
    return course


async def take_register(
    ctx: BookingsContext,
    principal: Principal,
    course_id: UUID,
    session_index: int,
    register: RegisterMarks,
) -> dict[str, int]:
    """Record one session's marks (a second call corrects them); every booking marked must be
    a confirmed booking of this course."""
    now = ctx.clock.now()
    async with unit_of_work(ctx) as uow:
        course = await _keeper(uow, principal, course_id)
        course.check_register(session_index, now)
        marks = {m.booking_id: m.attended for m in register.marks}
        found = await registers.confirmed_bookings(uow.session, course_id, list(marks))
        known = {b.id for b in found}
        errors = [
            {"field": f"marks.{i}.booking_id", "message": "not a confirmed booking on this course"}
            for i, m in enumerate(register.marks)
            if m.booking_id not in known
        ]
        if errors:
            raise Invalid(f"{len(errors)} mark(s) name no confirmed booking", errors=errors)
        await registers.mark(uow.session, session_index, marks, principal.subject, now)
        attended = sum(marks.values())
        course.take_register(session_index, attended, len(marks) - attended, now)
        await uow.save(course)
        return {
            "session_index": session_index,
            "attended": attended,
            "absent": len(marks) - attended,
        }


async def complete_course(ctx: BookingsContext, principal: Principal, course_id: UUID) -> int:
    """Close the register; the number of bookings settled."""
    async with unit_of_work(ctx) as uow:
        course = await _keeper(uow, principal, course_id)
        confirmed = await registers.confirmed_bookings(uow.session, course_id)
        present = await registers.sessions_present(uow.session, course_id)
        course.complete(confirmed, present, ctx.clock.now())
        await uow.save(course)
        return len(confirmed)
