"""Evaluation: after the last session each attendee rates the course and may comment, once;
the course's administrators see a summary."""

from uuid import UUID

from pydantic import BaseModel

from services.bookings import register_store as registers
from services.bookings.domain import events as ev
from services.bookings.domain.register import session_times
from services.bookings.usecases.access import check_administers, is_participant_of
from services.bookings.usecases.certificates import CERTIFIED
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import Evaluation
from services.bookings.usecases.unit_of_work import unit_of_work
from shared.errors import Conflict, Forbidden
from shared.identity import Principal


class Comment(BaseModel):
    rating: int
    comments: str


class EvaluationSummary(BaseModel):
    course_id: UUID
    responses: int
    attendees: int
    average_rating: float | None
    ratings: dict[str, int]
    """How many gave each rating, "1" to "5"."""
    comments: list[Comment]


async def evaluate(
    ctx: BookingsContext, principal: Principal, booking_id: UUID, evaluation: Evaluation
) -> None:
    now = ctx.clock.now()
    async with unit_of_work(ctx) as uow:
        course, booking = await uow.course_and_booking(booking_id)
        if not is_participant_of(principal, booking.participant.email):
            raise Forbidden("only the participant evaluates their course")
        if booking.status.value not in CERTIFIED or now < session_times(course.sessions)[-1][1]:
            raise Conflict("a course is evaluated by its attendees after its last session")
        added = await registers.add_evaluation(
            uow.session,
            {
                "booking_id": booking_id,
                "course_id": course.id,
                "rating": evaluation.rating,
                "comments": evaluation.comments or None,
                "submitted_at": now,
            },
        )
        if not added:
            raise Conflict("this booking has already evaluated the course")
        course.events.append(ev.EvaluationSubmitted(booking_id, evaluation.rating))
        await uow.save(course, read=[booking.id])


async def summary(ctx: BookingsContext, principal: Principal, course_id: UUID) -> EvaluationSummary:
    async with unit_of_work(ctx) as uow:
        course = await uow.existing_course(course_id)
        check_administers(principal, course.alliance_id, course.status.value)
        totals, comments = await registers.evaluation_summary(uow.session, course_id)
        attendees = await registers.attendees(uow.session, course_id)
    average = None if totals.average is None else round(float(totals.average), 2)
    return EvaluationSummary(
        course_id=course_id,
        responses=totals.responses,
        attendees=attendees,
        average_rating=average,
        ratings={str(n): getattr(totals, f"rated_{n}") for n in range(1, 6)},
        comments=[Comment(rating=c.rating, comments=c.comments) for c in comments],
    )
