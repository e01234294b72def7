"""The answer to a booking is written straight from its view: the same JSON as ``BookingOut``."""

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.bookings.api.bookings import out, out_json
from services.bookings.api.schemas import BookingOut
from services.bookings.domain.model import BookingStatus
from services.bookings.usecases.read_models import BookingView, ContactView, SchoolRefView

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def view(status: BookingStatus, **fields: object) -> BookingView:
    return BookingView(
        id=uuid4(),
        course_id=uuid4(),
        course_title="Phonics: the first year",
        status=status,
        school=SchoolRefView(urn="100001", name="Odyssey Primary"),
        participant=ContactView(name="Ann Lee", email="ann@odyssey.sch.uk", role="Year 1 teacher"),
        booker=ContactView(name="Bo Kay", email="bo@odyssey.sch.uk"),
        access_needs="Step-free access",
        price_pence=12_000,
        created_at=NOW,
        url="http://127.0.0.1:8001/bookings/x",
        course_starts_at=NOW,
        **fields,
    )


@pytest.mark.parametrize(
    "booking",
    [
        view(BookingStatus.CONFIRMED),
        view(BookingStatus.WAITLISTED, waitlist_position=3),
        view(BookingStatus.OFFERED, offer_expires_at=NOW),
        view(
            BookingStatus.CANCELLED,
            fee_pence=6_000,
            cancelled_by="school_lead",
            status_reason="Ill",
            free_cancellation=True,
            sessions_attended=1,
        ),
    ],
)
def test_the_answer_is_bookingout_s_json(booking: BookingView) -> None:
    assert out_json(booking) == out(booking).model_dump_json()


def test_the_answer_has_exactly_the_documented_fields() -> None:
    answer = json.loads(out_json(view(BookingStatus.CONFIRMED)))
    assert list(answer) == list(BookingOut.model_fields)
