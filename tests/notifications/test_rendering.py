"""The messages: every template renders for every person it goes to, with the facts they need."""

import re
from datetime import UTC, date, datetime

import pytest

from services.notifications.domain.recipients import recipients
from services.notifications.mail.rendering import Links, Renderer
from shared.contracts import bookings as b
from shared.contracts import brokerage as r
from shared.contracts.base import EventData
from shared.contracts.brokerage import SCHOOL_LINK_SEAL_PURPOSE
from shared.sealed import Sealer
from tests.notifications import factories as f

renderer = Renderer(Links(bookings="http://127.0.0.1:8001", brokerage="http://127.0.0.1:8002"))
EXPIRY = datetime(2026, 2, 20, 17, 0, tzinfo=UTC)


def every_event() -> list[EventData]:
    run = f.tag()
    course, booking, request, sle = f.course(), f.booking(run), f.request_info(run), f.sle_info(run)
    both = {"course": course, "booking": booking}
    sle_event = {"request": request, "sle": sle}
    return [
        b.BookingAwaitingApproval(**both),
        b.BookingApproved(**both),
        b.BookingDeclined(**both, reason="Budget is spent for this term"),
        b.BookingConfirmed(**both),
        b.BookingWaitlisted(**both, position=3),
        b.PlaceOffered(**both, offer_expires_at=EXPIRY),
        b.OfferAccepted(**both),
        b.OfferExpired(**both),
        b.BookingCancelled(**both, cancelled_by="school", fee_pence=2250, working_days_notice=7),
        b.BookingCancelled(
            **both,
            cancelled_by="alliance",
            fee_pence=0,
            reason="Facilitator ill",
            course_cancelled=True,
        ),
        b.BookingCancelled(
            **both, cancelled_by="alliance", fee_pence=10_000, working_days_notice=1
        ),
        b.OfferDeclined(**both),
        b.BookingCourseChanged(
            **both, changed_fields=["sessions"], previous_sessions=list(course.sessions)
        ),
        b.CourseReminder(**both, days_before=7),
        b.CourseReminder(**both, days_before=1),
        b.OfferExpiring(**both, offer_expires_at=EXPIRY),
        b.ViabilityChecked(
            course=course,
            places_held=3,
            minimum_viable_numbers=8,
            viable=False,
            working_days_notice=10,
            administrator=f.person("Ada Admin", run),
        ),
        b.AttendanceConcluded(
            **both,
            outcome="attended",
            sessions_attended=2,
            sessions_total=2,
            hours_attended=6.0,
            fee_pence=0,
            certificate_url="https://bookings.example/bookings/1/certificate.pdf?sig=abc",
        ),
        b.AttendanceConcluded(
            **both,
            outcome="no_show",
            sessions_attended=0,
            sessions_total=2,
            hours_attended=0,
            fee_pence=4500,
        ),
        b.EvaluationDue(**both, evaluation_url="https://bookings.example/bookings/1/evaluation"),
        b.BookingSubstituted(**both, previous_participant=f.person("Lucy Grant", run)),
        r.RequestSubmitted(request=request),
        r.SleProposed(**sle_event, rank=1, reasons=["mathematics specialist", "primary phase"]),
        r.SleDeclined(**sle_event, reason="No days left"),
        r.SleAccepted(**sle_event),
        r.DeploymentAgreed(**sle_event, deployment=f.deployment()),
        r.VisitLogged(**sle_event, visit_date=date(2026, 5, 6), days=1, days_delivered=1.5),
        r.RequestCompleted(**sle_event, days_delivered=3.5),
        r.RequestWithdrawn(request=request, sle=sle, reason="Staffing changed", days_released=2),
        r.RequestCancelled(request=request, reason="Duplicate request"),
    ]


CASES = [
    pytest.param(data, person, id=f"{type(data).__name__}-{person.kind}-{person.template}")
    for data in every_event()
    for person in recipients(data)
]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(("data", "person"), CASES)
def test_every_message_renders_with_the_facts_and_accessible_html(data, person) -> None:
    message = renderer.render(data, person)
    assert message.subject and "\n" not in message.subject
    assert person.name in message.text
    assert 'lang="en-GB"' in message.html
    assert len(re.findall(r"<h1[ >]", message.html)) == 1
    assert "<h2" in message.html and "What to do next" in message.text
    assert "{{" not in message.text + message.html
    course = getattr(data, "course", None)
    request = getattr(data, "request", None)
    booking = getattr(data, "booking", None)
    link = booking.url if booking else (course.url if course else request.url)
    if person.kind.value == "alliance_admin":
        link = f"http://127.0.0.1:8001/admin/courses/{course.course_id}"
    if person.kind.value == "school_contact":  # never the staff's page of the request
        fresh = "http://127.0.0.1:8002/support-requests/fresh-link"
        link = renderer.links.school_link(data) or fresh
    assert link in message.text and f'href="{link}"' in message.html
    if course is not None:
        assert course.title in message.text
        assert "Leading &lt;Phonics&gt; &amp; Early Reading" in message.html  # escaped
        assert "<Phonics>" not in message.html
        assert "Tuesday 3 March 2026, 9:30am to 3:30pm" in message.text
        assert "Tuesday 3 March 2026, 9:30am to 3:30pm" in text_of(message.html)
    else:
        assert request.reference in message.text
        assert "Forest View Academy" in message.text
    lowered = (message.text + text_of(message.html)).lower()
    for american in ("color", "canceled", "organization", "center", "program "):
        assert american not in lowered


def message_for(data: EventData, kind: str):
    person = next(p for p in recipients(data) if p.kind == kind)
    return renderer.render(data, person)


def test_cancellation_states_the_fee_and_the_notice() -> None:
    run = f.tag()
    data = b.BookingCancelled(
        course=f.course(),
        booking=f.booking(run),
        cancelled_by="school",
        fee_pence=2250,
        working_days_notice=7,
    )
    text = message_for(data, "cpd_lead").text
    assert "cancellation fee of £22.50" in " ".join(text.split())
    assert "Notice given: 7 working days" in text
    assert "Cancellation fee: £22.50" in text


def test_course_cancellation_says_the_alliance_cancelled_and_there_is_no_charge() -> None:
    data = f.cancelled_by_alliance(f.tag(), f.course())
    message = message_for(data, "participant")
    assert message.subject == f"Course cancelled: {data.course.title}"
    assert "the alliance has cancelled" in message.text
    assert "There is no charge" in message.text
    assert "Too few bookings" in message.text


def test_an_administrator_cancelling_one_booking_states_the_fee_it_carries() -> None:
    data = b.BookingCancelled(
        course=f.course(),
        booking=f.booking(f.tag()),
        cancelled_by="alliance",
        fee_pence=10_000,
        working_days_notice=1,
    )
    for kind in ("participant", "cpd_lead", "booker"):
        message = message_for(data, kind)
        assert message.subject == f"Booking cancelled: {data.course.title}"
        assert "no charge" not in message.text.lower()
        assert "Cancellation fee: £100" in message.text
        assert "by the alliance" in " ".join(message.text.split())


def test_offer_states_the_expiry_in_uk_time() -> None:
    data = b.PlaceOffered(course=f.course(), booking=f.booking(f.tag()), offer_expires_at=EXPIRY)
    message = message_for(data, "participant")
    assert "Friday 20 February 2026, 5pm" in message.subject
    assert "Accept by: Friday 20 February 2026, 5pm" in message.text


def test_substitution_names_old_and_new_participant() -> None:
    run = f.tag()
    data = b.BookingSubstituted(
        course=f.course(), booking=f.booking(run), previous_participant=f.person("Lucy Grant", run)
    )
    for kind in ("previous_participant", "participant", "cpd_lead"):
        text = message_for(data, kind).text
        assert "Previous participant: Lucy Grant" in text
        assert "New participant: Tom Hughes" in text


def test_free_course_says_free_and_paid_states_the_price() -> None:
    run = f.tag()
    free = b.BookingConfirmed(course=f.course(), booking=f.booking(run, price=0))
    assert "Price: Free" in message_for(free, "participant").text
    paid = b.BookingConfirmed(course=f.course(), booking=f.booking(run, price=4500))
    assert "Price: £45" in message_for(paid, "participant").text


def test_deployment_states_days_rate_fee_and_dates() -> None:
    run = f.tag()
    data = r.DeploymentAgreed(
        request=f.request_info(run), sle=f.sle_info(run), deployment=f.deployment()
    )
    text = message_for(data, "school_contact").text
    assert "Days agreed: 3.5 days" in text
    assert "Day rate: £350" in text
    assert "Brokerage fee: £122.50" in text
    assert "Monday 20 April 2026 to Friday 17 July 2026" in text


def test_a_link_falls_back_to_the_services_page_when_the_event_has_none() -> None:
    course = f.course().model_copy(update={"url": None})
    booking = f.booking(f.tag()).model_copy(update={"url": None})
    data = b.BookingConfirmed(course=course, booking=booking)
    page = f"http://127.0.0.1:8001/places/{booking.booking_id}"
    assert page in message_for(data, "participant").text
    request = f.request_info(f.tag()).model_copy(update={"url": None})
    page = f"http://127.0.0.1:8002/requests/{request.request_id}"
    assert page in message_for(r.RequestSubmitted(request=request), "coordinator").text


def test_school_and_coordinator_get_different_wording_for_a_new_request() -> None:
    data = f.submitted()
    school = message_for(data, "school_contact")
    coordinator = message_for(data, "coordinator")
    assert school.subject.startswith("We have your request for support")
    assert coordinator.subject.startswith("New support request")
    assert "Areas of need: mathematics, closing the disadvantage gap" in school.text
    assert data.request.contact.email in coordinator.text


def test_only_the_school_contact_gets_the_schools_private_link() -> None:
    private = "http://127.0.0.1:8002/support-requests/x/school?token=secret"
    data = f.submitted().model_copy(update={"school_manage_url": private})
    assert private in message_for(data, "school_contact").text
    assert private in message_for(data, "school_contact").html.replace("&amp;", "&")
    coordinator = message_for(data, "coordinator")
    assert "token=secret" not in coordinator.text + coordinator.html


def test_the_administrator_hears_how_many_bookings_the_cancellation_took_down() -> None:
    from shared.contracts.common import Contact

    admin = Contact(name="Alliance administrator", email="admin@odyssey.example.org")
    data = b.CourseCancelled(
        course=f.course(), reason="Too few bookings", bookings_cancelled=3, administrator=admin
    )
    message = message_for(data, "alliance_admin")
    assert message.subject == (
        "You cancelled Leading <Phonics> & Early Reading: 3 bookings cancelled"
    )
    assert "Bookings cancelled: 3" in message.text
    assert "Reason given: Too few bookings" in message.text
    assert "Leading &lt;Phonics&gt;" in message.html
    assert f"http://127.0.0.1:8001/admin/courses/{data.course.course_id}" in message.text


SEALER = Sealer("a key for the test", SCHOOL_LINK_SEAL_PURPOSE)
SCHOOL_REQUEST = f.request_info(f.tag())
OWN_PAGE = f"http://127.0.0.1:8002/support-requests/{SCHOOL_REQUEST.request_id}/school?token=1.x"


def school_events(sealed: str | None) -> list[EventData]:
    """The events mailed to the school contact that once carried no private link."""
    request, sle = SCHOOL_REQUEST, f.sle_info(f.tag())
    link = {"school_link_sealed": sealed}
    return [
        r.SleAccepted(request=request, sle=sle, **link),
        r.DeploymentAgreed(request=request, sle=sle, deployment=f.deployment(), **link),
        r.RequestWithdrawn(request=request, sle=sle, reason="Staffing changed", **link),
        r.RequestCancelled(request=request, reason="Duplicate request", **link),
    ]


@pytest.mark.parametrize(
    "data", school_events(SEALER.seal(OWN_PAGE)), ids=lambda d: type(d).__name__
)
def test_the_school_contact_lands_on_its_own_page(data: EventData) -> None:
    """An SLE accepted, support agreed, the request withdrawn or cancelled: the school's email
    opens its own page (which shows the request's status, final or not)."""
    links = Links(
        bookings="http://127.0.0.1:8001", brokerage="http://127.0.0.1:8002", private=SEALER.open
    )
    for person in recipients(data):
        message = Renderer(links).render(data, person)
        if person.kind.value == "school_contact":
            assert OWN_PAGE in message.text and f'href="{OWN_PAGE}"' in message.html
            assert "fresh-link" not in message.text
            assert SCHOOL_REQUEST.url not in message.text
        else:  # the school's link goes to the school only
            assert OWN_PAGE not in message.text + message.html
            assert SCHOOL_REQUEST.url in message.text


@pytest.mark.parametrize("data", school_events(None), ids=lambda d: type(d).__name__)
def test_a_school_contact_without_a_private_link_is_sent_to_ask_for_one(data) -> None:
    """The request's page is for staff and SLEs: a school told of an event from before it
    carried the private link gets brokerage's fresh-link page instead."""
    school = message_for(data, "school_contact")
    assert "http://127.0.0.1:8002/support-requests/fresh-link" in school.text
    assert SCHOOL_REQUEST.url not in school.text
