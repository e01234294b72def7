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


@dataclass(frozen=True)
class BookingEvent(DomainEvent):
    booking_id: UUID


@dataclass(frozen=True)
class BookingRequested(BookingEvent):
    pass


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
