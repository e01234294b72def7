"""The register: an administrator or the course's facilitator marks each confirmed booking
attended or absent per session; closing it after the last session settles every booking as
attended, partly attended or no-show (with the policy's no-show fee)."""

from uuid import UUID

from pydantic import BaseModel

from services.bookings import register_store as registers
from services.bookings import repository as repo
from services.bookings.domain.course import Course
from services.bookings.usecases.access import is_admin_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import RegisterMarks
from services.bookings.usecases.unit_of_work import UnitOfWork, unit_of_work
from shared.errors import Forbidden, Invalid, NotFound
from shared.identity import Principal


class MarkView(BaseModel):
    booking_id: UUID
    attended: bool


class SessionRegister(BaseModel):
    """One session's saved marks; none until its register is first taken."""

    session_index: int
    marks: list[MarkView]


def _check_keeps(principal: Principal, alliance_id: str, facilitator_email: str | None) -> None:
    if is_admin_of(principal, alliance_id):
        return
    if not (
        principal.alliance_id == alliance_id
        and principal.email is not None
        and facilitator_email is not None
        and principal.email.lower() == facilitator_email.lower()
    ):
        raise Forbidden("only the course's administrators or its facilitator keep its register")


async def _keeper(uow: UnitOfWork, principal: Principal, course_id: UUID) -> Course:
    """The course, locked, if the principal keeps its register."""
    course = await uow.existing_course(course_id)
    _check_keeps(principal, course.alliance_id, course.facilitator_email)
    return course


async def session_register(
    ctx: BookingsContext, principal: Principal, course_id: UUID, session_index: int
) -> SessionRegister:
    """The marks saved at one session, for the course's administrators or its facilitator."""
    async with ctx.runtime.sessions() as session:
        course = await repo.get_course(session, course_id)
        if course is None:
            raise NotFound("no such course")
        _check_keeps(principal, course.alliance_id, course.facilitator_email)
        if not 0 <= session_index < len(course.sessions):
            raise NotFound("no such session")
        marks = await registers.session_marks(session, course_id, session_index)
    return SessionRegister(
        session_index=session_index,
        marks=[MarkView(booking_id=b, attended=a) for b, a in sorted(marks.items())],
    )


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
