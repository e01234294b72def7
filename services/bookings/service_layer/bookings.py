"""Bookings: made for a school, approved by its CPD lead where it asks, allocated under the
course lock (a place or the waiting list), cancelled with the policy's fee, substituted free."""

from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import repository as repo
from services.bookings.api.schemas import (
    BookingCancelIn,
    BookingIn,
    BookingOut,
    Page,
    ParticipantIn,
)
from services.bookings.context import BookingsContext
from services.bookings.domain.calendar import working_days_notice
from services.bookings.domain.model import (
    HOLDS_PLACE,
    LIVE,
    BookingRefused,
    BookingStatus,
    CourseState,
    CourseStatus,
    allocate,
    cancelled_by,
    check_can_book,
    check_transition,
)
from services.bookings.domain.policy import Band, CancellationPolicy
from services.bookings.events import booking_info, course_info
from services.bookings.service_layer import idempotency
from services.bookings.service_layer.access import (
    is_admin_of,
    is_participant_of,
    is_school_lead_of,
    visible_booking,
)
from services.bookings.service_layer.views import booking_out
from services.bookings.service_layer.waitlist import fill_places
from services.bookings.tables import bookings, courses
from shared.contracts.bookings import (
    BookingApproved,
    BookingAwaitingApproval,
    BookingCancelled,
    BookingConfirmed,
    BookingDeclined,
    BookingRequested,
    BookingSubstituted,
    BookingWaitlisted,
    OfferAccepted,
)
from shared.contracts.common import Contact
from shared.web.auth import Principal, Role
from shared.web.problems import Conflict, Forbidden, NotFound, Unprocessable


def _refused(exc: BookingRefused) -> Conflict:
    return Conflict(str(exc), title="Booking refused")


def _check_booker(principal: Principal, body: BookingIn) -> str:
    if not principal.has(Role.SCHOOL_LEAD, Role.PARTICIPANT):
        raise Forbidden("bookings are made by a school lead or a participant")
    if principal.school_urn != body.school_urn:
        raise Forbidden("the token is not for this school")
    if not principal.email:
        raise Forbidden("the token carries no email address to answer the booker at")
    if not principal.has(Role.SCHOOL_LEAD) and principal.email.lower() != body.participant.email:
        raise Forbidden("a participant can only book a place for themselves")
    return principal.email.lower()


async def _allocate(session: AsyncSession, course: Row) -> tuple[BookingStatus, int]:
    held, waiting = await repo.counts(session, course.id)
    status = allocate(course.capacity, held, waiting)
    return status, await repo.next_queue_seq(session, course.id)


async def _announce_allocation(
    ctx: BookingsContext, session: AsyncSession, course: Row, booking: Row
) -> Row:
    info = course_info(ctx, course)
    if booking.status == BookingStatus.CONFIRMED.value:
        event: Any = BookingConfirmed(course=info, booking=booking_info(ctx, booking))
    else:
        event = BookingWaitlisted(
            course=info, booking=booking_info(ctx, booking), position=booking.position
        )
    await ctx.runtime.outbox.add(session, event)
    return booking


async def create_booking(
    ctx: BookingsContext, principal: Principal, course_id: UUID, body: BookingIn, key: str
) -> idempotency.StoredResponse:
    booker_email = _check_booker(principal, body)
    scope = f"{principal.alliance_id}:{principal.subject}"
    fingerprint = idempotency.request_hash(
        {"course": str(course_id), "body": body.model_dump(mode="json")}
    )
    async with ctx.runtime.transaction() as session:
        stored = await idempotency.claim(session, scope, key, fingerprint)
        if stored is not None:
            return stored
        course = await repo.lock_course(session, course_id)
        if course is None:
            raise NotFound("no such course")
        now = ctx.clock.now()
        try:
            check_can_book(
                CourseState(CourseStatus(course.status), course.booking_closes_at, course.capacity),
                now,
            )
        except BookingRefused as exc:
            raise _refused(exc) from None
        school = await repo.get_school_for(session, body.school_urn, course.alliance_id)
        if school is None:
            raise Unprocessable(
                f"school {body.school_urn} is not registered: its CPD lead or an alliance "
                "administrator registers it first (PUT /schools/{urn})",
                errors=[{"field": "school_urn", "message": "not registered"}],
            )
        existing = await repo.live_booking_for(session, course_id, body.participant.email)
        if existing is not None:
            raise Conflict(
                "this participant already holds a live booking on this course",
                title="Booking refused",
                booking_id=str(existing),
            )
        needs_approval = school.requires_approval and not is_school_lead_of(
            principal, body.school_urn
        )
        if needs_approval:
            status, seq = BookingStatus.AWAITING_APPROVAL, None
        else:
            status, seq = await _allocate(session, course)
        booker_name = body.booker_name or (
            body.participant.name
            if body.participant.email == booker_email
            else school.cpd_lead_name
            if school.cpd_lead_email.lower() == booker_email
            else booker_email
        )
        booking_id = uuid4()
        await repo.insert_booking(
            session,
            {
                "id": booking_id,
                "course_id": course_id,
                "status": status.value,
                "school_urn": body.school_urn,
                "participant_name": body.participant.name,
                "participant_email": body.participant.email,
                "participant_role": body.participant.role,
                "access_needs": body.access_needs,
                "booker_subject": principal.subject,
                "booker_name": booker_name,
                "booker_email": booker_email,
                "price_pence": course.member_price_pence
                if school.is_member
                else course.non_member_price_pence,
                "queue_seq": seq,
                "created_at": now,
            },
        )
        booking = await repo.get_booking(session, booking_id)
        assert booking is not None
        info = course_info(ctx, course)
        await ctx.runtime.outbox.add(
            session, BookingRequested(course=info, booking=booking_info(ctx, booking))
        )
        if needs_approval:
            await ctx.runtime.outbox.add(
                session, BookingAwaitingApproval(course=info, booking=booking_info(ctx, booking))
            )
        else:
            await _announce_allocation(ctx, session, course, booking)
        response = booking_out(ctx, booking).model_dump(mode="json")
        await idempotency.record(session, scope, key, 201, response)
    return idempotency.StoredResponse(201, response)


async def _lock(session: AsyncSession, principal: Principal, booking_id: UUID) -> tuple[Row, Row]:
    """The booking's course and the booking, locked in that order (the order everyone uses)."""
    course_id = await repo.booking_course_id(session, booking_id)
    if course_id is None:
        raise NotFound("no such booking")
    course = await repo.lock_course(session, course_id)
    await repo.lock_booking(session, booking_id)
    booking = visible_booking(principal, await repo.get_booking(session, booking_id))
    assert course is not None
    return course, booking


def _transition(booking: Row, allowed: frozenset[BookingStatus], action: str) -> None:
    try:
        check_transition(BookingStatus(booking.status), allowed, action)
    except BookingRefused as exc:
        raise Conflict(str(exc)) from None


async def get_booking(ctx: BookingsContext, principal: Principal, booking_id: UUID) -> BookingOut:
    async with ctx.runtime.sessions() as session:
        booking = visible_booking(principal, await repo.get_booking(session, booking_id))
    return booking_out(ctx, booking)


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
) -> Page[BookingOut]:
    scopes: list[Any] = []
    if principal.has(Role.ALLIANCE_ADMIN):
        scopes.append(courses.c.alliance_id == principal.alliance_id)
    if principal.has(Role.SCHOOL_LEAD) and principal.school_urn:
        scopes.append(bookings.c.school_urn == principal.school_urn)
    if principal.has(Role.PARTICIPANT) and principal.email:
        scopes.append(func.lower(bookings.c.participant_email) == principal.email.lower())
    if not principal.has(Role.ALLIANCE_ADMIN, Role.SCHOOL_LEAD, Role.PARTICIPANT):
        raise Forbidden("bookings are seen by administrators, school leads and participants")
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
        items=[booking_out(ctx, r) for r in rows],
        page=page,
        per_page=per_page,
        total=int(total or 0),
    )


async def approve(ctx: BookingsContext, principal: Principal, booking_id: UUID) -> BookingOut:
    async with ctx.runtime.transaction() as session:
        course, booking = await _lock(session, principal, booking_id)
        if not is_school_lead_of(principal, booking.school_urn):
            raise Forbidden("only the school's CPD lead approves its bookings")
        _transition(booking, frozenset({BookingStatus.AWAITING_APPROVAL}), "approved")
        status, seq = await _allocate(session, course)
        await repo.update_booking(session, booking_id, {"status": status.value, "queue_seq": seq})
        approved = await repo.get_booking(session, booking_id)
        assert approved is not None
        await ctx.runtime.outbox.add(
            session,
            BookingApproved(course=course_info(ctx, course), booking=booking_info(ctx, approved)),
        )
        await _announce_allocation(ctx, session, course, approved)
        return booking_out(ctx, approved)


async def decline(
    ctx: BookingsContext, principal: Principal, booking_id: UUID, reason: str | None
) -> BookingOut:
    async with ctx.runtime.transaction() as session:
        course, booking = await _lock(session, principal, booking_id)
        if not is_school_lead_of(principal, booking.school_urn):
            raise Forbidden("only the school's CPD lead declines its bookings")
        _transition(booking, frozenset({BookingStatus.AWAITING_APPROVAL}), "declined")
        await repo.update_booking(
            session, booking_id, {"status": BookingStatus.DECLINED.value, "status_reason": reason}
        )
        declined = await repo.get_booking(session, booking_id)
        assert declined is not None
        await ctx.runtime.outbox.add(
            session,
            BookingDeclined(
                course=course_info(ctx, course), booking=booking_info(ctx, declined), reason=reason
            ),
        )
        return booking_out(ctx, declined)


def policy_of(course: Row) -> CancellationPolicy:
    stored = course.cancellation_policy
    return CancellationPolicy(
        bands=tuple(Band(**band) for band in stored.get("bands", [])),
        late_fee_pence=int(stored.get("late_fee_pence", 0)),
    )


async def cancel(
    ctx: BookingsContext, principal: Principal, booking_id: UUID, body: BookingCancelIn
) -> BookingOut:
    async with ctx.runtime.transaction() as session:
        course, booking = await _lock(session, principal, booking_id)
        admin = is_admin_of(principal, booking.alliance_id)
        if body.waive_fee and not admin:
            raise Forbidden("only the course's alliance administrators can waive a fee")
        _transition(booking, LIVE, "cancelled")
        now = ctx.clock.now()
        notice = working_days_notice(now, course.starts_at)
        fee = 0
        if booking.status == BookingStatus.CONFIRMED.value and not body.waive_fee:
            fee = policy_of(course).fee(booking.price_pence, notice)
        by = cancelled_by(admin, is_school_lead_of(principal, booking.school_urn))
        await repo.update_booking(
            session,
            booking_id,
            {
                "status": BookingStatus.CANCELLED.value,
                "fee_pence": fee,
                "cancelled_by": by,
                "status_reason": body.reason,
                "offer_expires_at": None,
            },
        )
        cancelled = await repo.get_booking(session, booking_id)
        assert cancelled is not None
        await ctx.runtime.outbox.add(
            session,
            BookingCancelled(
                course=course_info(ctx, course),
                booking=booking_info(ctx, cancelled),
                cancelled_by=by,
                fee_pence=fee,
                working_days_notice=notice,
                reason=body.reason,
            ),
        )
        if BookingStatus(booking.status) in HOLDS_PLACE:
            await fill_places(ctx, session, course)
        return booking_out(ctx, cancelled)


async def substitute(
    ctx: BookingsContext, principal: Principal, booking_id: UUID, participant: ParticipantIn
) -> BookingOut:
    async with ctx.runtime.transaction() as session:
        course, booking = await _lock(session, principal, booking_id)
        if not (
            is_admin_of(principal, booking.alliance_id)
            or is_school_lead_of(principal, booking.school_urn)
        ):
            raise Forbidden("a place is substituted by the school's lead or an administrator")
        _transition(booking, LIVE, "substituted")
        if participant.email == booking.participant_email.lower():
            raise Conflict("the substitute is the same person as the participant")
        if await repo.live_booking_for(session, course.id, participant.email) is not None:
            raise Conflict("the substitute already holds a live booking on this course")
        previous = Contact(
            name=booking.participant_name,
            email=booking.participant_email,
            role=booking.participant_role,
        )
        await repo.update_booking(
            session,
            booking_id,
            {
                "participant_name": participant.name,
                "participant_email": participant.email,
                "participant_role": participant.role,
                "access_needs": None,
            },
        )
        changed = await repo.get_booking(session, booking_id)
        assert changed is not None
        await ctx.runtime.outbox.add(
            session,
            BookingSubstituted(
                course=course_info(ctx, course),
                booking=booking_info(ctx, changed),
                previous_participant=previous,
            ),
        )
        return booking_out(ctx, changed)


async def accept_offer(ctx: BookingsContext, principal: Principal, booking_id: UUID) -> BookingOut:
    async with ctx.runtime.transaction() as session:
        course, booking = await _lock(session, principal, booking_id)
        if not (
            is_participant_of(principal, booking)
            or is_school_lead_of(principal, booking.school_urn)
            or is_admin_of(principal, booking.alliance_id)
        ):
            raise Forbidden("this offer is not yours to accept")
        _transition(booking, frozenset({BookingStatus.OFFERED}), "accepted")
        if booking.offer_expires_at <= ctx.clock.now():
            raise Conflict("the offer has expired", title="Offer expired")
        await repo.update_booking(
            session,
            booking_id,
            {"status": BookingStatus.CONFIRMED.value, "offer_expires_at": None},
        )
        accepted = await repo.get_booking(session, booking_id)
        assert accepted is not None
        await ctx.runtime.outbox.add(
            session,
            OfferAccepted(course=course_info(ctx, course), booking=booking_info(ctx, accepted)),
        )
        return booking_out(ctx, accepted)
