"""Running a course, mixed into the Course aggregate: its register (attendance per session,
then each booking's outcome) and its schedule (reminders, the viability check)."""

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from services.bookings.domain import events as ev
from services.bookings.domain.calendar import working_days_notice
from services.bookings.domain.model import BookingStatus, CourseStatus, check_transition
from services.bookings.domain.policy import CancellationPolicy
from services.bookings.domain.register import hours, outcome, session_times
from services.bookings.domain.schedule import Planned, course_reminders, viability_check
from shared.errors import Conflict

if TYPE_CHECKING:
    from services.bookings.domain.course import Booking


class RunningCourse:
    """What the aggregate provides (declared for the type checker)."""

    id: UUID
    status: CourseStatus
    sessions: list[dict[str, Any]]
    starts_at: datetime
    policy: CancellationPolicy
    places_held: int
    minimum_viable_numbers: int | None
    viability_notice_working_days: int
    reminder_days: tuple[int, ...]
    events: list[ev.DomainEvent]
    planned: list[Planned]

    def _set(self, booking: "Booking", **values: Any) -> None:
        raise NotImplementedError

    def _update(self, **values: Any) -> None:
        raise NotImplementedError

    # -- the register ------------------------------------------------------------------------

    def check_register(self, session_index: int, now: datetime) -> None:
        """A session's register is taken once the session has started, until the course is
        completed."""
        if self.status is not CourseStatus.PUBLISHED:
            raise Conflict(f"a course that is {self.status.value} takes no register")
        times = session_times(self.sessions)
        if not 0 <= session_index < len(times):
            raise Conflict(f"the course has sessions 0 to {len(times) - 1}")
        if now < times[session_index][0]:
            raise Conflict("a session's register opens when the session starts")

    def take_register(self, session_index: int, attended: int, absent: int, now: datetime) -> None:
        self.check_register(session_index, now)
        self.events.append(ev.RegisterTaken(session_index, attended, absent))

    def complete(
        self, confirmed: list["Booking"], present: dict[UUID, set[int]], now: datetime
    ) -> None:
        """Close the register after the last session: each confirmed booking ends attended,
        partly attended or no-show (which pays the policy's no-show fee)."""
        if self.status is not CourseStatus.PUBLISHED:
            raise Conflict(f"a course that is {self.status.value} cannot be completed")
        times = session_times(self.sessions)
        if now < times[-1][1]:
            raise Conflict("the register closes after the last session has ended")
        tally = {
            s: 0
            for s in (BookingStatus.ATTENDED, BookingStatus.PARTLY_ATTENDED, BookingStatus.NO_SHOW)
        }
        for booking in confirmed:
            check_transition(booking.status, frozenset({BookingStatus.CONFIRMED}), "concluded")
            sessions = present.get(booking.id, set())
            result = outcome(len(sessions), len(times))
            fee = (
                self.policy.no_show_fee(booking.price_pence)
                if result is BookingStatus.NO_SHOW
                else 0
            )
            tally[result] += 1
            self._set(booking, status=result, sessions_attended=len(sessions), fee_pence=fee)
            self.events.append(
                ev.AttendanceConcluded(
                    booking.id, result.value, len(sessions), len(times), hours(times, sessions), fee
                )
            )
            if result is not BookingStatus.NO_SHOW:
                self.events.append(ev.EvaluationDue(booking.id))
        self._update(status=CourseStatus.COMPLETED)
        self.events.append(
            ev.CourseCompleted(
                tally[BookingStatus.ATTENDED],
                tally[BookingStatus.PARTLY_ATTENDED],
                tally[BookingStatus.NO_SHOW],
            )
        )

    # -- the schedule ------------------------------------------------------------------------

    def _plan(self) -> None:
        """Reminders before the first session, and the viability check if numbers matter."""
        self.planned += course_reminders(self.id, self.starts_at, self.reminder_days)
        if self.minimum_viable_numbers:
            notice = self.viability_notice_working_days
            self.planned.append(viability_check(self.id, self.starts_at, notice))

    def remind(self, confirmed: list["Booking"], days_before: int) -> None:
        for booking in confirmed:
            self.events.append(ev.Reminder(booking.id, days_before))

    def remind_offer(self, booking: "Booking") -> None:
        assert booking.offer_expires_at is not None
        self.events.append(ev.OfferExpiring(booking.id, booking.offer_expires_at))

    def check_viability(self, now: datetime) -> None:
        self.events.append(
            ev.ViabilityChecked(
                self.places_held,
                self.minimum_viable_numbers or 0,
                working_days_notice(now, self.starts_at),
            )
        )
