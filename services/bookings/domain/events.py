"""What happened to a course and its bookings, as the aggregate tells it (no contracts here:
``published.py`` turns these into the versioned events other services read)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    role: str | None = None


@dataclass(frozen=True)
class DomainEvent:
    pass


@dataclass(frozen=True)
class CoursePublished(DomainEvent):
    capacity: int


@dataclass(frozen=True)
class CourseChanged(DomainEvent):
    changed_fields: tuple[str, ...]


@dataclass(frozen=True)
class CourseCancelled(DomainEvent):
    reason: str
    bookings_cancelled: int
    administrator_email: str | None
    low_numbers: bool = False


@dataclass(frozen=True)
class BookingEvent(DomainEvent):
    booking_id: UUID


@dataclass(frozen=True)
class AwaitingApproval(BookingEvent):
    pass


@dataclass(frozen=True)
class Approved(BookingEvent):
    pass


@dataclass(frozen=True)
class Declined(BookingEvent):
    reason: str | None


@dataclass(frozen=True)
class Confirmed(BookingEvent):
    pass


@dataclass(frozen=True)
class Waitlisted(BookingEvent):
    pass


@dataclass(frozen=True)
class PlaceOffered(BookingEvent):
    expires_at: datetime


@dataclass(frozen=True)
class OfferAccepted(BookingEvent):
    pass


@dataclass(frozen=True)
class OfferExpired(BookingEvent):
    pass


@dataclass(frozen=True)
class OfferDeclined(BookingEvent):
    pass


@dataclass(frozen=True)
class Cancelled(BookingEvent):
    by: str
    fee_pence: int
    working_days_notice: int | None
    reason: str | None
    course_cancelled: bool = False


@dataclass(frozen=True)
class Substituted(BookingEvent):
    previous: Person


@dataclass(frozen=True)
class CourseChangeNotice(BookingEvent):
    """A live booking's course changed dates, venue or online link: free to cancel now."""

    changed_fields: tuple[str, ...]
    previous_sessions: tuple[dict[str, object], ...]


@dataclass(frozen=True)
class RegisterTaken(DomainEvent):
    session_index: int
    attended: int
    absent: int


@dataclass(frozen=True)
class AttendanceConcluded(BookingEvent):
    """The booking's outcome once the register is closed; ``fee_pence`` is what a no-show pays."""

    outcome: str
    sessions_attended: int
    sessions_total: int
    hours_attended: float
    fee_pence: int


@dataclass(frozen=True)
class CourseCompleted(DomainEvent):
    attended: int
    partly_attended: int
    no_shows: int


@dataclass(frozen=True)
class Reminder(BookingEvent):
    days_before: int


@dataclass(frozen=True)
class OfferExpiring(BookingEvent):
    expires_at: datetime


@dataclass(frozen=True)
class ViabilityChecked(DomainEvent):
    places_held: int
    minimum_viable_numbers: int
    working_days_notice: int

    @property
    def viable(self) -> bool:
        return self.places_held >= self.minimum_viable_numbers


@dataclass(frozen=True)
class EvaluationDue(BookingEvent):
    pass


@dataclass(frozen=True)
class EvaluationSubmitted(BookingEvent):
    rating: int
