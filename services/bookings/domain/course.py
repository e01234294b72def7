"""The course aggregate: every capacity decision about a course and its bookings.

It holds the course's rules and counters (places held, bookings waiting, the queue counter) and
only the bookings one operation touches, never the whole list: a hot course with thousands of
bookings loads in one row. Each method checks the rules, changes state and records domain
events; the caller saves the changes and publishes the events together.

Running the course (its register and its schedule) is in ``running.py``, mixed in.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.bookings.domain import events as ev
from services.bookings.domain.calendar import working_days_notice
from services.bookings.domain.events import Person
from services.bookings.domain.model import (
    HOLDS_PLACE,
    LIVE,
    BookingStatus,
    CourseState,
    CourseStatus,
    allocate,
    cancelled_by,
    check_can_book,
    check_transition,
    places_to_offer,
)
from services.bookings.domain.policy import CancellationPolicy
from services.bookings.domain.running import RunningCourse
from services.bookings.domain.schedule import Planned, offer_reminder
from shared.errors import Conflict

AWAITING = frozenset({BookingStatus.AWAITING_APPROVAL})
PLANNING = {"sessions", "reminder_days", "minimum_viable_numbers", "viability_notice_working_days"}
"""Changes that move the course's reminders."""
OFFERED = frozenset({BookingStatus.OFFERED})


@dataclass
class Booking:
    id: UUID
    course_id: UUID
    status: BookingStatus
    school_urn: str
    participant: Person
    booker: Person
    booker_subject: str
    price_pence: int
    created_at: datetime
    access_needs: str | None = None
    queue_seq: int | None = None
    offer_expires_at: datetime | None = None
    fee_pence: int | None = None
    cancelled_by: str | None = None
    status_reason: str | None = None
    free_cancellation: bool = False
    """The course changed its dates, venue or link after this booking: cancelling is free."""
    sessions_attended: int | None = None


@dataclass
class Course(RunningCourse):
    id: UUID
    alliance_id: str
    status: CourseStatus
    title: str
    sessions: list[dict[str, Any]]
    starts_at: datetime
    capacity: int
    booking_closes_at: datetime
    offer_hold_hours: float
    policy: CancellationPolicy
    member_price_pence: int
    non_member_price_pence: int
    places_held: int
    waiting: int
    queue_seq: int
    facilitator: str = ""
    facilitator_email: str | None = None
    minimum_viable_numbers: int | None = None
    viability_notice_working_days: int = 10
    reminder_days: tuple[int, ...] = (7, 1)
    administrator_email: str | None = None
    events: list[ev.DomainEvent] = field(default_factory=list)
    updates: dict[str, Any] = field(default_factory=dict)
    """Course columns changed, to be written."""
    added: dict[UUID, Booking] = field(default_factory=dict)
    changed: dict[UUID, Booking] = field(default_factory=dict)
    planned: list[Planned] = field(default_factory=list)
    """Reminders to schedule (or move, if not yet done), to be written."""

    # -- bookings ---------------------------------------------------------------------------

    def check_can_book(self, now: datetime) -> None:
        check_can_book(CourseState(self.status, self.booking_closes_at, self.capacity), now)

    def book(
        self,
        *,
        booking_id: UUID,
        school_urn: str,
        participant: Person,
        booker: Person,
        booker_subject: str,
        access_needs: str | None,
        is_member: bool,
        needs_approval: bool,
        now: datetime,
    ) -> Booking:
        self.check_can_book(now)
        booking = Booking(
            id=booking_id,
            course_id=self.id,
            status=BookingStatus.AWAITING_APPROVAL,
            school_urn=school_urn,
            participant=participant,
            booker=booker,
            booker_subject=booker_subject,
            price_pence=self.member_price_pence if is_member else self.non_member_price_pence,
            created_at=now,
            access_needs=access_needs,
        )
        self.added[booking.id] = booking
        if needs_approval:
            self.events.append(ev.AwaitingApproval(booking.id))
        else:
            self._allocate(booking)
        return booking

    def approve(self, booking: Booking) -> None:
        check_transition(booking.status, AWAITING, "approved")
        self.events.append(ev.Approved(booking.id))
        self._allocate(booking)

    def decline(self, booking: Booking, reason: str | None) -> None:
        check_transition(booking.status, AWAITING, "declined")
        self._set(booking, status=BookingStatus.DECLINED, status_reason=reason)
        self.events.append(ev.Declined(booking.id, reason))

    def cancellation_fee(
        self, booking: Booking, now: datetime, *, waive_fee: bool = False
    ) -> tuple[int, int]:
        """(the fee, the working days of notice) were ``booking`` cancelled ``now``; refused
        as cancelling would be."""
        check_transition(booking.status, LIVE, "cancelled")
        self.check_not_started(now)
        notice = working_days_notice(now, self.starts_at)
        fee = 0
        if booking.status is BookingStatus.CONFIRMED and not (
            waive_fee or booking.free_cancellation
        ):
            fee = self.policy.fee(booking.price_pence, notice)
        return fee, notice

    def cancel_booking(
        self,
        booking: Booking,
        *,
        by_admin: bool,
        by_school_lead: bool,
        waive_fee: bool,
        reason: str | None,
        now: datetime,
    ) -> bool:
        """Cancel with the policy's fee; True when a place was freed for the waiting list."""
        fee, notice = self.cancellation_fee(booking, now, waive_fee=waive_fee)
        by = cancelled_by(by_admin, by_school_lead)
        freed = self._leave(booking)
        self._set(
            booking,
            status=BookingStatus.CANCELLED,
            fee_pence=fee,
            cancelled_by=by,
            status_reason=reason,
            offer_expires_at=None,
        )
        self.events.append(ev.Cancelled(booking.id, by, fee, notice, reason))
        return freed

    def substitute(self, booking: Booking, participant: Person) -> None:
        check_transition(booking.status, LIVE, "substituted")
        if participant.email.lower() == booking.participant.email.lower():
            raise Conflict("the substitute is the same person as the participant")
        previous = booking.participant
        self._set(booking, participant=participant, access_needs=None)
        self.events.append(ev.Substituted(booking.id, previous))

    # -- the waiting list -------------------------------------------------------------------

    def places_to_offer(self, now: datetime) -> int:
        """How many of the first waiting bookings should be offered a place now."""
        if now >= self.starts_at:
            return 0
        return places_to_offer(self.capacity, self.places_held, self.waiting)

    def offer(self, waiting: list[Booking], now: datetime) -> None:
        """Offer a place to each of ``waiting`` (the first in the queue) until ``offer_hold_hours``
        from now."""
        expires = now + timedelta(hours=self.offer_hold_hours)
        for booking in waiting:
            check_transition(booking.status, frozenset({BookingStatus.WAITLISTED}), "offered")
            self.waiting -= 1
            self.places_held += 1
            self._set(booking, status=BookingStatus.OFFERED, offer_expires_at=expires)
            self.events.append(ev.PlaceOffered(booking.id, expires))
            self.planned.append(offer_reminder(self.id, booking.id, now, expires))

    def accept_offer(self, booking: Booking, now: datetime) -> None:
        check_transition(booking.status, OFFERED, "accepted")
        if booking.offer_expires_at is not None and booking.offer_expires_at <= now:
            raise Conflict("the offer has expired", title="Offer expired")
        self._set(booking, status=BookingStatus.CONFIRMED, offer_expires_at=None)
        self.events.append(ev.OfferAccepted(booking.id))

    def decline_offer(self, booking: Booking) -> None:
        """The offered place is turned down: it is freed for the next in the queue."""
        check_transition(booking.status, OFFERED, "declined")
        self._leave(booking)
        self._set(
            booking,
            status=BookingStatus.OFFER_DECLINED,
            status_reason="offer declined",
            offer_expires_at=None,
        )
        self.events.append(ev.OfferDeclined(booking.id))

    def expire_offer(self, booking: Booking) -> None:
        check_transition(booking.status, OFFERED, "expired")
        self._leave(booking)
        self._set(booking, status=BookingStatus.OFFER_EXPIRED, status_reason="offer not accepted")
        self.events.append(ev.OfferExpired(booking.id))

    # -- the course itself ------------------------------------------------------------------

    def publish(self, now: datetime) -> None:
        if self.status is not CourseStatus.DRAFT:
            raise Conflict(f"only a draft can be published; this course is {self.status.value}")
        if self.starts_at <= now:
            raise Conflict("the first session has already started")
        self._update(status=CourseStatus.PUBLISHED)
        self.events.append(ev.CoursePublished(self.capacity))
        self._plan()

    def check_can_change(self) -> None:
        if self.status is CourseStatus.CANCELLED:
            raise Conflict("a cancelled course cannot be changed")
        if self.status is CourseStatus.COMPLETED:
            raise Conflict("a course that has run cannot be changed")

    def check_not_started(self, now: datetime) -> None:
        if now >= self.starts_at:
            raise Conflict("nothing can be cancelled once the first session has started")

    def revise(
        self, values: dict[str, Any], changed: list[str], live: list[Booking] | None = None
    ) -> None:
        """Take new stored values of the editable columns; ``changed`` names what differs.

        A change of sessions (dates, venue or online link) to a published course tells every
        live booking what changed and lets it cancel free of charge."""
        self.check_can_change()
        capacity = int(values.get("capacity", self.capacity))
        if capacity < self.places_held:
            raise Conflict(
                f"capacity cannot go below the {self.places_held} places already confirmed "
                "or offered",
                places_held=self.places_held,
            )
        if not changed:
            return
        previous = tuple(self.sessions)
        self._update(**values)
        if self.status is not CourseStatus.PUBLISHED:
            return
        self.events.append(ev.CourseChanged(tuple(changed)))
        if PLANNING & set(changed):
            self._plan()
        if "sessions" in changed:
            for booking in live or []:
                self._set(booking, free_cancellation=True)
                self.events.append(ev.CourseChangeNotice(booking.id, tuple(changed), previous))

    def cancel(
        self,
        reason: str,
        live: list[Booking],
        administrator_email: str | None,
        now: datetime,
        *,
        low_numbers: bool = False,
    ) -> None:
        """Cancel the course and refund every live booking in full."""
        if self.status is CourseStatus.CANCELLED:
            raise Conflict("the course is already cancelled")
        if self.status is CourseStatus.COMPLETED:
            raise Conflict("a course that has run cannot be cancelled")
        self.check_not_started(now)
        self._update(status=CourseStatus.CANCELLED, cancellation_reason=reason)
        self.events.append(ev.CourseCancelled(reason, len(live), administrator_email, low_numbers))
        for booking in live:
            self._leave(booking)
            self._set(
                booking,
                status=BookingStatus.CANCELLED,
                cancelled_by="alliance",
                fee_pence=0,
                status_reason=reason,
                offer_expires_at=None,
            )
            self.events.append(
                ev.Cancelled(booking.id, "alliance", 0, None, reason, course_cancelled=True)
            )

    # -- bookkeeping ------------------------------------------------------------------------

    def pull_events(self) -> list[ev.DomainEvent]:
        events, self.events = self.events, []
        return events

    def _allocate(self, booking: Booking) -> None:
        """A free place, or the end of the queue (someone already waiting always comes first)."""
        status = allocate(self.capacity, self.places_held, self.waiting)
        self._update(queue_seq=self.queue_seq + 1)
        self._set(booking, status=status, queue_seq=self.queue_seq)
        if status is BookingStatus.CONFIRMED:
            self.places_held += 1
            self.events.append(ev.Confirmed(booking.id))
        else:
            self.waiting += 1
            self.events.append(ev.Waitlisted(booking.id))

    def _leave(self, booking: Booking) -> bool:
        """Count the booking out of the place or queue it occupied; True if it held a place."""
        if booking.status in HOLDS_PLACE:
            self.places_held -= 1
            return True
        if booking.status is BookingStatus.WAITLISTED:
            self.waiting -= 1
        return False

    def _set(self, booking: Booking, **values: Any) -> None:
        for name, value in values.items():
            setattr(booking, name, value)
        if booking.id not in self.added:
            self.changed[booking.id] = booking

    def _update(self, **values: Any) -> None:
        for name, value in values.items():
            if hasattr(self, name) and name not in ("events", "updates"):
                setattr(self, name, value)
        self.updates.update(values)
