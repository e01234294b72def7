"""Who hears about what: the recipient rules, pure."""

from datetime import UTC, datetime

import pytest

from services.notifications.domain.recipients import RULES, Kind, emails_anyone, recipients
from shared.contracts import bookings as b
from shared.contracts import brokerage as r
from shared.contracts.base import registry
from shared.contracts.common import Contact
from tests.notifications import factories as f


def kinds(data) -> list[tuple[str, str]]:
    return [(p.kind.value, p.template) for p in recipients(data)]


def test_every_event_type_has_a_rule() -> None:
    published = {
        model
        for name, model in registry.types().items()
        if name.startswith(("uk.alliance.bookings.", "uk.alliance.brokerage."))
    }
    assert published <= set(RULES)


def test_the_senders_are_woken_only_by_event_types_that_can_email_someone() -> None:
    assert emails_anyone(b.BookingConfirmed.event_type)
    assert emails_anyone(r.RequestSubmitted.event_type)
    assert not emails_anyone(b.CoursePublished.event_type)
    assert not emails_anyone(b.BookingRequested.event_type)
    assert not emails_anyone("uk.alliance.nobody.unknown.v1")
    for model, sends in RULES.items():  # a type with any rule wakes them
        assert emails_anyone(model.event_type) == bool(sends)


def test_confirmed_goes_to_participant_lead_and_a_separate_booker_once_each() -> None:
    run = f.tag()
    data = b.BookingConfirmed(course=f.course(), booking=f.booking(run))
    assert kinds(data) == [
        ("participant", "booking_confirmed"),
        ("cpd_lead", "booking_confirmed"),
        ("booker", "booking_confirmed"),
    ]


def test_a_lead_who_booked_gets_one_email_as_lead() -> None:
    data = f.confirmed()
    assert kinds(data) == [("participant", "booking_confirmed"), ("cpd_lead", "booking_confirmed")]


def test_addresses_are_deduplicated_case_insensitively() -> None:
    run = f.tag()
    booking = f.booking(run)
    shouty = booking.participant.model_copy(update={"email": booking.participant.email.upper()})
    booking = booking.model_copy(update={"booker": shouty})
    data = b.BookingConfirmed(course=f.course(), booking=booking)
    emails = [p.email for p in recipients(data)]
    assert len(emails) == len(set(emails)) == 2
    assert all(e == e.lower() for e in emails)


def test_awaiting_approval_asks_the_lead_and_tells_the_participant() -> None:
    data = b.BookingAwaitingApproval(course=f.course(), booking=f.booking(f.tag()))
    assert kinds(data) == [
        ("cpd_lead", "approval_needed"),
        ("participant", "awaiting_approval"),
        ("booker", "awaiting_approval"),
    ]


def test_a_booking_without_a_cpd_lead_skips_that_rule() -> None:
    booking = f.booking(f.tag()).model_copy(update={"cpd_lead": None})
    data = b.BookingConfirmed(course=f.course(), booking=booking)
    assert [k for k, _ in kinds(data)] == ["participant", "booker"]


@pytest.mark.parametrize(
    ("cancelled_by", "course_cancelled", "template"),
    [
        ("alliance", True, "course_cancelled"),
        ("alliance", False, "booking_cancelled"),
        ("school", False, "booking_cancelled"),
        ("participant", False, "booking_cancelled"),
    ],
)
def test_cancellation_wording_depends_on_whether_the_course_was_cancelled(
    cancelled_by: str, course_cancelled: bool, template: str
) -> None:
    data = b.BookingCancelled(
        course=f.course(),
        booking=f.booking(f.tag(), booker_is_lead=True),
        cancelled_by=cancelled_by,
        fee_pence=0,
        course_cancelled=course_cancelled,
    )
    assert kinds(data) == [("participant", template), ("cpd_lead", template)]


def test_waiting_list_and_approval_reach_the_lead_when_the_participant_booked() -> None:
    run = f.tag()
    booking = f.booking(run)
    booking = booking.model_copy(update={"booker": booking.participant})
    waitlisted = b.BookingWaitlisted(course=f.course(), booking=booking, position=2)
    approved = b.BookingApproved(course=f.course(), booking=booking)
    assert kinds(waitlisted) == [
        ("participant", "booking_waitlisted"),
        ("cpd_lead", "booking_waitlisted"),
    ]
    assert kinds(approved) == [
        ("participant", "booking_approved"),
        ("cpd_lead", "booking_approved"),
    ]


def test_a_declined_offer_tells_participant_booker_and_lead() -> None:
    data = b.OfferDeclined(course=f.course(), booking=f.booking(f.tag()))
    assert kinds(data) == [
        ("participant", "offer_declined"),
        ("booker", "offer_declined"),
        ("cpd_lead", "offer_declined"),
    ]


def test_substitution_reaches_old_and_new_participant_and_the_lead() -> None:
    run = f.tag()
    data = b.BookingSubstituted(
        course=f.course(),
        booking=f.booking(run, booker_is_lead=True),
        previous_participant=f.person("Lucy Grant", run),
    )
    assert [k for k, _ in kinds(data)] == ["previous_participant", "participant", "cpd_lead"]


def test_offer_goes_to_participant_and_booker() -> None:
    data = b.PlaceOffered(
        course=f.course(),
        booking=f.booking(f.tag()),
        offer_expires_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    assert [k for k, _ in kinds(data)] == ["participant", "booker"]


def test_course_level_events_email_no_one_but_the_administrator_who_cancelled() -> None:
    course = f.course()
    assert recipients(b.CourseCancelled(course=course, reason="x", bookings_cancelled=3)) == []
    assert recipients(b.CoursePublished(course=course, capacity=20)) == []
    admin = Contact(name="Alliance administrator", email="Admin@Odyssey.example.org")
    cancelled = b.CourseCancelled(
        course=course, reason="x", bookings_cancelled=3, administrator=admin
    )
    assert kinds(cancelled) == [("alliance_admin", "course_cancelled_summary")]
    assert [p.email for p in recipients(cancelled)] == ["admin@odyssey.example.org"]


def test_request_submitted_reaches_school_and_every_coordinator() -> None:
    data = f.submitted()
    assert kinds(data) == [
        ("school_contact", "request_submitted"),
        ("coordinator", "request_submitted"),
        ("coordinator", "request_submitted"),
    ]


def test_sle_proposed_reaches_school_sle_and_home_head() -> None:
    run = f.tag()
    data = r.SleProposed(
        request=f.request_info(run), sle=f.sle_info(run), rank=1, reasons=["maths"]
    )
    assert [k for k, _ in kinds(data)] == ["school_contact", "sle", "home_head"]


def test_deployment_agreed_reaches_all_parties() -> None:
    run = f.tag()
    data = r.DeploymentAgreed(
        request=f.request_info(run), sle=f.sle_info(run), deployment=f.deployment()
    )
    assert [k for k, _ in kinds(data)] == [
        "school_contact",
        "sle",
        "home_head",
        "coordinator",
        "coordinator",
    ]


def test_visit_logged_reaches_coordinators_only() -> None:
    run = f.tag()
    data = r.VisitLogged(
        request=f.request_info(run),
        sle=f.sle_info(run),
        visit_date=datetime(2026, 5, 1).date(),
        days=1,
        days_delivered=2,
    )
    assert {k for k, _ in kinds(data)} == {Kind.COORDINATOR.value}


def test_withdrawal_without_an_sle_reaches_school_and_coordinators() -> None:
    data = r.RequestWithdrawn(request=f.request_info(f.tag()))
    assert [k for k, _ in kinds(data)] == ["school_contact", "coordinator", "coordinator"]


def test_cancellation_with_an_sle_reaches_everyone_involved() -> None:
    run = f.tag()
    data = r.RequestCancelled(request=f.request_info(run), sle=f.sle_info(run), days_released=2)
    assert [k for k, _ in kinds(data)] == [
        "school_contact",
        "sle",
        "home_head",
        "coordinator",
        "coordinator",
    ]
