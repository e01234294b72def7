"""Booking a place: made for a school by its CPD lead or a participant, at the school's price,
waiting for the CPD lead's approval where the school asks for it, else allocated at once (a
place or the waiting list) under the course lock. An Idempotency-Key makes a retry safe.

Requests queue up in the process (``course_queue``, one line whatever their course) while
the ones before them are booked, and go on together: one transaction for the group, each of
its courses locked once (in the order of their ids), each request decided in arrival order on
its course's aggregate with its own answer (a refusal is that request's alone), then one
statement for all their writes (queue counters, bookings, events, keys). A group that cannot
commit writes nothing; its requests are then booked course by course, and then one by one.
A group does not wait for a course another transaction holds: that course's requests are set
aside in its own line, which waits for the lock, and those for it that come meanwhile follow."""

import asyncio
import logging
from collections.abc import Hashable
from contextvars import Context, copy_context
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import UUID, uuid4

from prometheus_client import Counter
from sqlalchemy import Row

from services.bookings.booking_context import Asked
from services.bookings.domain.course import Booking, Course
from services.bookings.domain.events import DomainEvent, Person
from services.bookings.store import BookingRow, new_booking_row
from services.bookings.usecases import course_queue, idempotency
from services.bookings.usecases.access import is_school_lead_of
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.inputs import NewBooking
from services.bookings.usecases.read_models import BookingResult, BookingView, booking_view
from services.bookings.usecases.unit_of_work import group_unit_of_work, unit_of_work
from shared.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from shared.identity import Principal, Role
from shared.observability.metrics import Metrics
from shared.storage.outage import sqlstate

log = logging.getLogger(__name__)

LOCK_NOT_AVAILABLE = "55P03"
"""The SQLSTATE of a lock wait that ran out (``BOOKINGS_LOCK_TIMEOUT_MS``)."""


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


@dataclass(frozen=True)
class _Request:
    """A booking request as it waits in the line."""

    course_id: UUID
    principal: Principal
    booking: NewBooking
    booker_email: str
    scope: str
    key: str
    fingerprint: str
    context: Context
    """The request's context (correlation id, trace), which its events carry."""

    @property
    def asked(self) -> Asked:
        booking = self.booking
        return Asked(
            self.course_id, booking.school_urn, booking.participant.email, self.scope, self.key
        )


Answer = BookingResult | Exception


async def _book(
    ctx: BookingsContext, principal: Principal, course_id: UUID, booking: NewBooking, key: str
) -> BookingResult:
    booker_email = _check_booker(principal, booking)
    scope = f"{principal.alliance_id}:{principal.subject}"
    fingerprint = idempotency.request_hash(
        {"course": str(course_id), "body": booking.model_dump(mode="json")}
    )
    request = _Request(
        course_id, principal, booking, booker_email, scope, key, fingerprint, copy_context()
    )
    try:
        if course_queue.has_line(_own_line(ctx, course_id)):  # behind those set aside before
            result: BookingResult = await _set_aside(ctx, request)
        else:  # one line per database: a group takes everyone waiting, whatever the course
            result = await course_queue.take_turn(
                ctx.runtime.engine, request, partial(_book_in_turn, ctx), _wait_s(ctx)
            )
        return result
    except idempotency.KeyTaken:
        async with unit_of_work(ctx) as uow:
            first = await idempotency.stored(uow.session, scope, key, fingerprint)
        return BookingResult(booking=BookingView.model_validate(first), replayed=True)


def _wait_s(ctx: BookingsContext) -> float:
    return ctx.config.database_pool_timeout_s + ctx.config.lock_timeout_ms / 1000


def _own_line(ctx: BookingsContext, course_id: UUID) -> Hashable:
    return (ctx.runtime.engine, course_id)


async def _book_in_turn(
    ctx: BookingsContext, requests: list[_Request]
) -> list[Answer | asyncio.Future[BookingResult]]:
    """A group of the service's line, which never waits for a course that another transaction
    holds: that course's requests are set aside in its own line, in arrival order (and those
    that come after them follow them there while it lasts), so that the others go on."""
    free = [
        i for i, r in enumerate(requests) if not course_queue.has_line(_own_line(ctx, r.course_id))
    ]
    answers: list[Answer] = [_HELD] * len(requests)
    booked = await _book_group(ctx, [requests[i] for i in free], skip_held=True)
    for i, answer in zip(free, booked, strict=True):
        answers[i] = answer
    return [
        _set_aside(ctx, request) if answer is _HELD else answer
        for request, answer in zip(requests, answers, strict=True)
    ]


def _set_aside(ctx: BookingsContext, request: _Request) -> asyncio.Future[BookingResult]:
    """``request`` booked in its course's own line, whose groups wait for the course's lock."""
    line = _own_line(ctx, request.course_id)
    waiting = partial(_book_group, ctx, skip_held=False)
    return asyncio.ensure_future(course_queue.take_turn(line, request, waiting, _wait_s(ctx)))


async def _book_group(
    ctx: BookingsContext, requests: list[_Request], *, skip_held: bool
) -> list[Answer]:
    """Book ``requests`` (in arrival order) together, or else course by course, or else one by
    one: a group that cannot commit (a key another transaction took, a database error) leaves
    nothing written and its requests are tried again in smaller groups, so that each gets its
    own answer. A course whose lock was not had in time answers its requests with that error:
    alone, each would wait as long again. With ``skip_held``, a course another transaction
    holds is not waited for: its requests are answered ``_HELD``."""
    if not requests:
        return []
    if len(requests) == 1:
        return [await _book_alone(ctx, requests[0], skip_held=skip_held)]
    try:
        return await _book_together(ctx, requests, skip_held=skip_held)
    except Exception as error:
        failure = error
    several = _several_courses(requests)
    log.warning(
        "a group of %d bookings was rolled back; booking them %s",
        len(requests),
        "course by course" if several else "one by one",
        exc_info=failure,
    )
    if several:
        return await _course_by_course(ctx, requests, skip_held=skip_held)
    if sqlstate(failure) == LOCK_NOT_AVAILABLE:
        return [failure] * len(requests)
    return [await _book_alone(ctx, request, skip_held=skip_held) for request in requests]


async def _course_by_course(
    ctx: BookingsContext, requests: list[_Request], *, skip_held: bool
) -> list[Answer]:
    by_course: dict[UUID, list[int]] = {}
    for i, request in enumerate(requests):
        by_course.setdefault(request.course_id, []).append(i)
    answers: dict[int, Answer] = {}
    for indices in by_course.values():
        course_answers = await _book_group(ctx, [requests[i] for i in indices], skip_held=skip_held)
        answers |= zip(indices, course_answers, strict=True)
    return [answers[i] for i in range(len(requests))]


def _several_courses(requests: list[_Request]) -> bool:
    return any(r.course_id != requests[0].course_id for r in requests)


async def _book_alone(ctx: BookingsContext, request: _Request, *, skip_held: bool) -> Answer:
    try:
        [answer] = await _book_together(ctx, [request], skip_held=skip_held)
    except Exception as error:
        return error
    return answer


_HELD = Exception("its course is held by another transaction")
"""Stands for the answer of a request whose course a group skipped (``skip_held``)."""

_AGAIN = Exception("the same idempotency key as an earlier request of the group")
"""Stands for the answer of a request with the key of an earlier one in its group: it is sent
again alone once the group committed, and so replays that one's answer (or is refused)."""


async def _book_together(
    ctx: BookingsContext, requests: list[_Request], *, skip_held: bool
) -> list[Answer]:
    """Book ``requests`` in one transaction: their courses locked (in the order of their ids),
    each request decided in turn on its course's aggregate (a refusal is that request's answer),
    then the bookings, their events and idempotency keys written in one statement. Raises (and
    writes nothing) when the transaction cannot commit."""
    answers: list[Answer] = []
    made: dict[UUID, BookingRow] = {}
    events: list[tuple[Course, list[DomainEvent], Context]] = []
    booked_here: dict[tuple[UUID, str], UUID] = {}
    keys_here: set[tuple[str, str]] = set()
    async with group_unit_of_work(ctx) as uow:
        courses, found = await uow.courses_for_bookings(
            [r.asked for r in requests], skip_held=skip_held
        )
        now = ctx.clock.now()
        for request, row in zip(requests, found, strict=True):
            if (request.scope, request.key) in keys_here:
                answers.append(_AGAIN)
                continue
            course = courses.get(request.course_id)
            if course is None and skip_held:  # held elsewhere (or gone: its own line says)
                answers.append(_HELD)
                continue
            try:
                if course is None or row is None:
                    raise NotFound("no such course")
                decided = _decide(course, request, row, booked_here, now)
            except DomainError as refusal:
                answers.append(refusal)
                continue
            if isinstance(decided, BookingResult):
                answers.append(decided)
                continue
            keys_here.add((request.scope, request.key))
            booked_here[course.id, request.booking.participant.email.lower()] = decided.id
            made[decided.id] = new_booking_row(course, decided, row)
            events.append((course, course.pull_events(), request.context))
            answers.append(BookingResult(booking=booking_view(ctx, made[decided.id])))
        keys = idempotency.rows(
            [
                idempotency.Recorded(
                    r.scope, r.key, r.fingerprint, a.booking.model_dump(mode="json")
                )
                for r, a in zip(requests, answers, strict=True)
                if isinstance(a, BookingResult) and not a.replayed
            ]
        )
        if made:
            changed = [course for course in courses.values() if course.added]
            if await uow.write_new_bookings(changed, made, events, keys) < len(keys):
                raise idempotency.KeyTaken
    for i, answer in enumerate(answers):
        if answer is _AGAIN:
            answers[i] = await _book_alone(ctx, requests[i], skip_held=skip_held)
    return answers


def _decide(
    course: Course,
    request: _Request,
    found: Row,
    booked_here: dict[tuple[UUID, str], UUID],
    now: datetime,
) -> Booking | BookingResult:
    """The new booking ``request`` makes on ``course``, or the stored answer to replay; a
    refusal is raised. ``found`` is its row of ``booking_context.bookings_context``, and
    ``booked_here`` the participants booked earlier in the same group."""
    if found.stored_hash is not None:
        first = idempotency.replay(request.fingerprint, found.stored_hash, found.stored_response)
        return BookingResult(booking=BookingView.model_validate(first), replayed=True)
    course.check_can_book(now)
    booking = request.booking
    if found.urn is None:
        raise Invalid(
            f"school {booking.school_urn} is not registered: its CPD lead or an alliance "
            "administrator registers it first (PUT /schools/{urn})",
            errors=[{"field": "school_urn", "message": "not registered"}],
        )
    live_booking_id = found.live_booking_id or booked_here.get(
        (course.id, booking.participant.email.lower())
    )
    if live_booking_id is not None:
        raise Conflict(
            "this participant already holds a live booking on this course",
            title="Booking refused",
            booking_id=str(live_booking_id),
        )
    participant, booker_email = booking.participant, request.booker_email
    booker_name = booking.booker_name or (
        participant.name
        if participant.email == booker_email
        else found.cpd_lead_name
        if found.cpd_lead_email.lower() == booker_email
        else booker_email
    )
    return course.book(
        booking_id=uuid4(),
        school_urn=booking.school_urn,
        participant=Person(participant.name, participant.email, participant.role),
        booker=Person(booker_name, booker_email),
        booker_subject=request.principal.subject,
        access_needs=booking.access_needs,
        is_member=bool(found.is_member),
        needs_approval=found.requires_approval
        and not is_school_lead_of(request.principal, booking.school_urn),
        now=now,
    )
