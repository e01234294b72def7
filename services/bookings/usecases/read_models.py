"""What the use cases answer with: courses, bookings, schools and pages, read from the store."""

from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import Row

from services.bookings.domain.model import BookingStatus, CourseStatus, Phase, Strand
from services.bookings.published import Links

T = TypeVar("T")


class SessionView(BaseModel):
    starts_at: datetime
    ends_at: datetime
    venue: str | None = None
    online_url: str | None = None


class BandView(BaseModel):
    max_working_days: int
    percent: int


class PolicyView(BaseModel):
    bands: list[BandView]
    late_fee_pence: int
    no_show_percent: int = 100


class CourseView(BaseModel):
    id: UUID
    alliance_id: str
    status: CourseStatus
    title: str
    summary: str
    strand: Strand
    phases: list[Phase]
    audience: str
    facilitator: str
    sessions: list[SessionView]
    capacity: int
    minimum_viable_numbers: int | None
    booking_closes_at: datetime
    member_price_pence: int
    non_member_price_pence: int
    cancellation_policy: PolicyView
    offer_hold_hours: float
    viability_notice_working_days: int = 10
    reminder_days: list[int] = [7, 1]
    places_left: int
    booking_open: bool
    cancellation_reason: str | None = None
    url: str


class ContactView(BaseModel):
    name: str
    email: str
    role: str | None = None


class SchoolRefView(BaseModel):
    urn: str
    name: str


class BookingView(BaseModel):
    id: UUID
    course_id: UUID
    course_title: str
    status: BookingStatus
    school: SchoolRefView
    participant: ContactView
    booker: ContactView
    access_needs: str | None
    price_pence: int
    waitlist_position: int | None = None
    offer_expires_at: datetime | None = None
    fee_pence: int | None = None
    cancelled_by: str | None = None
    status_reason: str | None = None
    free_cancellation: bool = False
    sessions_attended: int | None = None
    created_at: datetime
    url: str
    course_starts_at: datetime | None = None
    """The course's first session (pages tell upcoming from past by it)."""


class BookingResult(BaseModel):
    """A new booking, or the first answer again when the request was a replay."""

    booking: BookingView
    replayed: bool = False


class SchoolView(BaseModel):
    urn: str
    name: str
    cpd_lead_name: str
    cpd_lead_email: str
    requires_approval: bool
    alliances: list[str]


class MembershipView(BaseModel):
    alliance_id: str
    urn: str
    school_name: str


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


def course_view(links: Links, row: Row, now: datetime) -> CourseView:
    """``row`` is a row of ``repository.course_select()``."""
    c: Any = row._mapping
    status = CourseStatus(c["status"])
    return CourseView.model_validate(
        {
            **{name: c[name] for name in CourseView.model_fields if name in c},
            "status": status,
            "phases": list(c["phases"]),
            "places_left": max(0, c["capacity"] - int(c.get("places_held") or 0)),
            "booking_open": status is CourseStatus.PUBLISHED and now < c["booking_closes_at"],
            "url": links.course_url(c["id"]),
        }
    )


def booking_view(links: Links, row: Row) -> BookingView:
    """``row`` is a row of ``repository.booking_select()``."""
    b: Any = row._mapping
    status = BookingStatus(b["status"])
    return BookingView(
        id=b["id"],
        course_id=b["course_id"],
        course_title=b["course_title"],
        status=status,
        school=SchoolRefView(urn=b["school_urn"], name=b["school_name"] or b["school_urn"]),
        participant=ContactView(
            name=b["participant_name"], email=b["participant_email"], role=b["participant_role"]
        ),
        booker=ContactView(name=b["booker_name"], email=b["booker_email"]),
        access_needs=b["access_needs"],
        price_pence=b["price_pence"],
        waitlist_position=b["position"] if status is BookingStatus.WAITLISTED else None,
        offer_expires_at=b["offer_expires_at"] if status is BookingStatus.OFFERED else None,
        fee_pence=b["fee_pence"],
        cancelled_by=b["cancelled_by"],
        status_reason=b["status_reason"],
        free_cancellation=b["free_cancellation"],
        sessions_attended=b["sessions_attended"],
        created_at=b["created_at"],
        url=links.booking_url(b["id"]),
        course_starts_at=b["course_starts_at"],
    )
