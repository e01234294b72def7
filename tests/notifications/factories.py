"""Contract events as the producing services would send them, with unique people per call."""

import secrets
from datetime import UTC, date, datetime
from uuid import uuid4

from shared.contracts import bookings as b
from shared.contracts import brokerage as r
from shared.contracts.common import Contact, SchoolRef


def tag() -> str:
    return secrets.token_hex(4)


def person(name: str, run: str, role: str | None = None) -> Contact:
    local = name.lower().replace(" ", ".").replace("'", "")
    return Contact(name=name, email=f"{local}.{run}@school.example", role=role)


def course(alliance_id: str = "odyssey-tsa", price: int = 4500) -> b.CourseInfo:
    return b.CourseInfo(
        course_id=uuid4(),
        alliance_id=alliance_id,
        title="Leading <Phonics> & Early Reading",
        sessions=[
            b.SessionInfo(
                starts_at=datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
                ends_at=datetime(2026, 3, 3, 15, 30, tzinfo=UTC),
                venue="Cheltenham Bournside School",
            ),
            b.SessionInfo(
                starts_at=datetime(2026, 6, 16, 8, 0, tzinfo=UTC),
                ends_at=datetime(2026, 6, 16, 11, 0, tzinfo=UTC),
                online_url="https://meet.example/phonics",
            ),
        ],
        url=f"https://alliance.example/courses/{uuid4()}",
    )


def booking(run: str, price: int = 4500, *, booker_is_lead: bool = False) -> b.BookingInfo:
    lead = person("Sarah Okafor", run, "Headteacher")
    return b.BookingInfo(
        booking_id=uuid4(),
        status="confirmed",
        school=SchoolRef(urn="115678", name="Gloucester Road Primary School"),
        participant=person("Tom Hughes", run, "Year 2 teacher"),
        booker=lead if booker_is_lead else person("Amy Patel", run, "School business manager"),
        cpd_lead=lead,
        price_pence=price,
        url=f"https://alliance.example/bookings/{run}",
    )


def confirmed(run: str | None = None, alliance_id: str = "odyssey-tsa") -> b.BookingConfirmed:
    run = run or tag()
    return b.BookingConfirmed(course=course(alliance_id), booking=booking(run, booker_is_lead=True))


def cancelled_by_alliance(run: str, the_course: b.CourseInfo) -> b.BookingCancelled:
    return b.BookingCancelled(
        course=the_course,
        booking=booking(run, booker_is_lead=True),
        cancelled_by="alliance",
        fee_pence=0,
        reason="Too few bookings",
        course_cancelled=True,
    )


def request_info(run: str, alliance_id: str = "odyssey-tsa") -> r.RequestInfo:
    return r.RequestInfo(
        request_id=uuid4(),
        reference=f"SR-{run[:6].upper()}",
        alliance_id=alliance_id,
        status="submitted",
        school=SchoolRef(urn="136912", name="Forest View Academy"),
        contact=person("Priya Shah", run, "Deputy headteacher"),
        areas_of_need=["mathematics", "closing_the_disadvantage_gap"],
        phase="primary",
        days_requested=3.5,
        coordinators=[person("Helen Marsh", run), person("David Clarke", run)],
        url=f"https://alliance.example/support-requests/{run}",
    )


def sle_info(run: str) -> r.SleInfo:
    return r.SleInfo(
        sle_id=uuid4(),
        person=person("James Whitfield", run, "Head of mathematics"),
        home_school=SchoolRef(urn="115912", name="Pate's Grammar School"),
        home_head=person("Ruth Ellison", run, "Headteacher"),
    )


def submitted(run: str | None = None, alliance_id: str = "odyssey-tsa") -> r.RequestSubmitted:
    return r.RequestSubmitted(request=request_info(run or tag(), alliance_id))


def deployment() -> r.DeploymentInfo:
    return r.DeploymentInfo(
        days=3.5,
        day_rate_pence=35_000,
        brokerage_fee_pence=12_250,
        starts_on=date(2026, 4, 20),
        ends_on=date(2026, 7, 17),
    )
