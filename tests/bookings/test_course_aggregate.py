"""The course aggregate on its own: no database, no broker, no clock but the one given."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.bookings.domain import events as ev
from services.bookings.domain.course import Booking, Course
from services.bookings.domain.events import Person
from services.bookings.domain.model import BookingRefused, BookingStatus, CourseStatus
from services.bookings.domain.policy import STANDARD_POLICY
from shared.errors import Conflict

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday


def course(
    capacity: int = 2, status: CourseStatus = CourseStatus.PUBLISHED, **kw: object
) -> Course:
    starts = NOW + timedelta(days=60)
    values: dict = {
        "id": uuid4(),
        "alliance_id": "odyssey-tsa",
        "status": status,
        "title": "Phonics",
        "sessions": [],
        "starts_at": starts,
        "capacity": capacity,
        "booking_closes_at": starts - timedelta(days=7),
        "offer_hold_hours": 48.0,
        "policy": STANDARD_POLICY,
        "member_price_pence": 9_000,
        "non_member_price_pence": 12_000,
        "places_held": 0,
        "waiting": 0,
        "queue_seq": 0,
    }
    values.update(kw)
    return Course(**values)


def book(c: Course, *, approval: bool = False, member: bool = True, now: datetime = NOW) -> Booking:
    n = c.queue_seq + len(c.added) + 1
    return c.book(
        booking_id=uuid4(),
        school_urn="115701",
        participant=Person(f"Teacher {n}", f"t{n}-{uuid4().hex[:6]}@school.example.org"),
        booker=Person("Pat Lead", "lead@school.example.org"),
        booker_subject="lead",
        access_needs=None,
        is_member=member,
        needs_approval=approval,
        now=now,
    )


def kinds(c: Course) -> list[str]:
    return [type(e).__name__ for e in c.pull_events()]


def test_places_are_confirmed_up_to_capacity_then_queued_in_order() -> None:
    c = course(capacity=1)
    first, second, third = book(c), book(c, member=False), book(c)
    assert [b.status for b in (first, second, third)] == [
        BookingStatus.CONFIRMED,
        BookingStatus.WAITLISTED,
        BookingStatus.WAITLISTED,
    ]
    assert [b.queue_seq for b in (first, second, third)] == [1, 2, 3]
    assert (first.price_pence, second.price_pence) == (9_000, 12_000)
    assert (c.places_held, c.waiting, c.updates["queue_seq"]) == (1, 2, 3)
    assert kinds(c) == ["Confirmed", "Waitlisted", "Waitlisted"]
    assert set(c.added) == {first.id, second.id, third.id}


def test_a_booking_awaiting_approval_holds_no_place_until_approved() -> None:
    c = course(capacity=1)
    waiting = book(c, approval=True)
    assert waiting.status is BookingStatus.AWAITING_APPROVAL
    assert (c.places_held, waiting.queue_seq) == (0, None)
    assert kinds(c) == ["AwaitingApproval"]
    taken = book(c)
    assert taken.status is BookingStatus.CONFIRMED
    c.pull_events()
    c.approve(waiting)
    assert waiting.status is BookingStatus.WAITLISTED  # the place went while it waited
    assert kinds(c) == ["Approved", "Waitlisted"]
    with pytest.raises(Conflict, match="waitlisted cannot be approved"):
        c.approve(waiting)
    with pytest.raises(Conflict, match="cannot be declined"):
        c.decline(taken, "no")


def test_no_booking_on_a_draft_a_cancelled_or_a_closed_course() -> None:
    with pytest.raises(BookingRefused, match="not published"):
        book(course(status=CourseStatus.DRAFT))
    with pytest.raises(BookingRefused, match="cancelled"):
        book(course(status=CourseStatus.CANCELLED))
    c = course()
    with pytest.raises(BookingRefused, match="closed"):
        book(c, now=c.booking_closes_at)
    assert c.events == [] and c.added == {}


def test_cancelling_a_confirmed_place_charges_the_band_and_frees_the_place() -> None:
    c = course(capacity=1)
    confirmed, queued = book(c), book(c)
    c.pull_events()
    late = c.starts_at - timedelta(days=3)  # 2 working days or fewer: 100%
    freed = c.cancel_booking(
        confirmed, by_admin=False, by_school_lead=True, waive_fee=False, reason=None, now=late
    )
    assert freed and confirmed.fee_pence == 9_000 and confirmed.cancelled_by == "school"
    [cancelled] = c.pull_events()
    assert isinstance(cancelled, ev.Cancelled) and cancelled.fee_pence == 9_000
    assert c.places_to_offer(late) == 1
    c.offer([queued], late)
    assert queued.status is BookingStatus.OFFERED
    assert queued.offer_expires_at == late + timedelta(hours=48)
    assert (c.places_held, c.waiting) == (1, 0)
    assert kinds(c) == ["PlaceOffered"]
    assert c.places_to_offer(late) == 0


def test_a_waiting_booking_cancels_free_and_frees_nothing() -> None:
    c = course(capacity=1)
    book(c)
    queued = book(c)
    freed = c.cancel_booking(
        queued, by_admin=False, by_school_lead=False, waive_fee=False, reason="ill", now=NOW
    )
    assert not freed and queued.fee_pence == 0 and c.waiting == 0
    assert queued.cancelled_by == "participant"


def test_an_administrator_may_waive_the_fee() -> None:
    c = course()
    b = book(c)
    c.cancel_booking(
        b,
        by_admin=True,
        by_school_lead=False,
        waive_fee=True,
        reason=None,
        now=c.starts_at - timedelta(minutes=1),
    )
    assert (b.fee_pence, b.cancelled_by) == (0, "alliance")


def test_an_offer_is_accepted_in_time_or_expires() -> None:
    c = course(capacity=1, waiting=2)
    first, second = (
        Booking(
            id=uuid4(),
            course_id=c.id,
            status=BookingStatus.WAITLISTED,
            school_urn="115701",
            participant=Person(name, f"{name}@school.example.org"),
            booker=Person("Pat", "lead@school.example.org"),
            booker_subject="lead",
            price_pence=9_000,
            created_at=NOW,
        )
        for name in ("first", "second")
    )
    c.offer([first], NOW)
    with pytest.raises(Conflict) as expired:
        c.accept_offer(first, NOW + timedelta(hours=49))
    assert expired.value.title == "Offer expired"
    c.expire_offer(first)
    assert first.status is BookingStatus.OFFER_EXPIRED and c.places_held == 0
    c.offer([second], NOW)
    c.accept_offer(second, NOW + timedelta(hours=1))
    assert second.status is BookingStatus.CONFIRMED and second.offer_expires_at is None
    assert kinds(c) == ["PlaceOffered", "OfferExpired", "PlaceOffered", "OfferAccepted"]
    assert set(c.changed) == {first.id, second.id}


def test_substitution_keeps_the_place_and_names_who_left() -> None:
    c = course()
    b = book(c)
    before = b.participant
    c.pull_events()
    with pytest.raises(Conflict, match="same person"):
        c.substitute(b, Person("Again", before.email.upper()))
    c.substitute(b, Person("Robin New", "robin@school.example.org"))
    [event] = c.pull_events()
    assert isinstance(event, ev.Substituted) and event.previous == before
    assert b.participant.name == "Robin New" and b.status is BookingStatus.CONFIRMED


def test_publishing_and_revising_a_course() -> None:
    draft = course(status=CourseStatus.DRAFT)
    draft.revise({"title": "Phonics 2"}, ["title"])
    assert draft.title == "Phonics 2" and draft.events == []  # drafts announce nothing
    draft.publish(NOW)
    assert draft.status is CourseStatus.PUBLISHED and kinds(draft) == ["CoursePublished"]
    with pytest.raises(Conflict, match="only a draft"):
        draft.publish(NOW)
    with pytest.raises(Conflict, match="already started"):
        course(status=CourseStatus.DRAFT).publish(NOW + timedelta(days=61))
    draft.places_held = 2
    with pytest.raises(Conflict) as below:
        draft.revise({"capacity": 1}, ["capacity"])
    assert below.value.extra == {"places_held": 2}
    draft.revise({"capacity": 5}, ["capacity"])
    [changed] = draft.pull_events()
    assert isinstance(changed, ev.CourseChanged) and changed.changed_fields == ("capacity",)


def test_cancelling_a_course_refunds_every_live_booking() -> None:
    c = course(capacity=1)
    live = [book(c), book(c)]
    c.pull_events()
    c.cancel("Venue closed", live, "admin@odyssey.example.org", NOW)
    assert all(b.status is BookingStatus.CANCELLED and b.fee_pence == 0 for b in live)
    assert (c.places_held, c.waiting, c.status) == (0, 0, CourseStatus.CANCELLED)
    events = c.pull_events()
    assert isinstance(events[0], ev.CourseCancelled) and events[0].bookings_cancelled == 2
    assert [type(e) for e in events[1:]] == [ev.Cancelled, ev.Cancelled]
    with pytest.raises(Conflict, match="already cancelled"):
        c.cancel("again", [], None, NOW)
    with pytest.raises(Conflict, match="cancelled course cannot be changed"):
        c.revise({"title": "x"}, ["title"])
