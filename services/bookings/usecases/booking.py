"""Booking a place: made for a school by its CPD lead or a participant, at the school's price,
waiting for the CPD lead's approval where the school asks for it, else allocated at once (a
place or the waiting list) under the course lock. An Idempotency-Key makes a retry safe."""

from uuid import UUID, uuid4

from prometheus_client import Counter

from services.bookings.domain.events import Person
from services.bookings.store import new_booking_row
from services.bookings.usecases import course_queue, idempotency
from services.bookings.usecases.access import is_school_lead_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import NewBooking
from services.bookings.usecases.read_models import BookingResult, BookingView, booking_view
from services.bookings.usecases.unit_of_work import unit_of_work
from shared.errors import Conflict, DomainError, Forbidden, Invalid
from shared.identity import Principal, Role
from shared.observability.metrics import Metrics


def _check_booker(principal: Principal, booking: NewBooking) -> str:
    """The booker's email, once the principal may book this place."""
    if not principal.has(Role.SCHOOL_LEAD, Role.PARTICIPANT):
        raise Forbidden("bookings are made by a school lead or a participant")
    if principal.school_urn != booking.school_urn:
        raise Forbidden("the token is not for this school")
    if not principal.email:
        raise Forbidden("the token carries no email address to answer the booker at")
    if not principal.has(Role.SCHOOL_LEAD) and principal.email.lower() != booking.participant.email:
        raise Forbidden("a participant can only book a place for themselves")
    return principal.email.lower()


def outcome_counter(metrics: Metrics) -> Counter:
    return metrics.counter(
        "alliance_bookings",
        "Booking requests by outcome: confirmed, waitlisted, awaiting_approval, refused",
        ["outcome"],
    )


async def create_booking(
    ctx: BookingsContext, principal: Principal, course_id: UUID, booking: NewBooking, key: str
) -> BookingResult:
    """Book, counting the outcome (``alliance_bookings_total``); a replay is not counted again."""
    outcomes = outcome_counter(ctx.runtime.metrics)
    try:
        result = await _book(ctx, principal, course_id, booking, key)
    except DomainError:
        outcomes.labels("refused").inc()
        raise
    if not result.replayed:
        outcomes.labels(str(result.booking.status)).inc()
    return result


async def _book(
    ctx: BookingsContext, principal: Principal, course_id: UUID, booking: NewBooking, key: str
) -> BookingResult:
    booker_email = _check_booker(principal, booking)
    scope = f"{principal.alliance_id}:{principal.subject}"
    fingerprint = idempotency.request_hash(
        {"course": str(course_id), "body": booking.model_dump(mode="json")}
    )
    wait_s = ctx.config.database_pool_timeout_s + ctx.config.lock_timeout_ms / 1000
    try:
        async with course_queue.turn(course_id, wait_s):
            return await _book_once(
                ctx, principal, course_id, booking, booker_email, scope, key, fingerprint
            )
    except idempotency.KeyTaken:
        async with unit_of_work(ctx) as uow:
            first = await idempotency.stored(uow.session, scope, key, fingerprint)
        return BookingResult(booking=BookingView.model_validate(first), replayed=True)


async def _book_once(
    ctx: BookingsContext,
    principal: Principal,
    course_id: UUID,
    booking: NewBooking,
    booker_email: str,
    scope: str,
    key: str,
    fingerprint: str,
) -> BookingResult:
    async with unit_of_work(ctx) as uow:
        course, found = await uow.course_for_booking(
            course_id, booking.school_urn, booking.participant.email, (scope, key)
        )
        if found.stored_hash is not None:
            first = idempotency.replay(fingerprint, found.stored_hash, found.stored_response)
            return BookingResult(booking=BookingView.model_validate(first), replayed=True)
        now = ctx.clock.now()
        course.check_can_book(now)
        if found.urn is None:
            raise Invalid(
                f"school {booking.school_urn} is not registered: its CPD lead or an alliance "
                "administrator registers it first (PUT /schools/{urn})",
                errors=[{"field": "school_urn", "message": "not registered"}],
            )
        if found.live_booking_id is not None:
            raise Conflict(
                "this participant already holds a live booking on this course",
                title="Booking refused",
                booking_id=str(found.live_booking_id),
            )
        participant = booking.participant
        booker_name = booking.booker_name or (
            participant.name
            if participant.email == booker_email
            else found.cpd_lead_name
            if found.cpd_lead_email.lower() == booker_email
            else booker_email
        )
        made = course.book(
            booking_id=uuid4(),
            school_urn=booking.school_urn,
            participant=Person(participant.name, participant.email, participant.role),
            booker=Person(booker_name, booker_email),
            booker_subject=principal.subject,
            access_needs=booking.access_needs,
            is_member=bool(found.is_member),
            needs_approval=found.requires_approval
            and not is_school_lead_of(principal, booking.school_urn),
            now=now,
        )
        rows = await uow.save(course, known={made.id: new_booking_row(course, made, found)})
        view = booking_view(ctx, rows[made.id])
        await idempotency.record(uow.session, scope, key, fingerprint, view.model_dump(mode="json"))
    return BookingResult(booking=view)
