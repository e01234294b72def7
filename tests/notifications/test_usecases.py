"""The use cases on PostgreSQL without a broker: recording, dispatching and the staff log."""

from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications.domain.retry import RetryPolicy
from services.notifications.usecases.dispatch import Dispatch
from services.notifications.usecases.staff_log import LogQuery, StaffLog
from shared.contracts.bookings import BookingConfirmed
from shared.errors import Conflict, Forbidden, NotFound
from shared.identity import Principal, Role
from shared.messaging.consumer import PermanentError
from shared.workers import Worker
from tests.notifications import factories as f
from tests.notifications.support import envelope
from tests.notifications.usecase_support import FakeMailer, make_due, record, record_event
from tests.support.wait import eventually

Sessions = async_sessionmaker[AsyncSession]
THEIRS = "forest-way-tsa"


def staff(role: Role = Role.ALLIANCE_ADMIN, alliance: str = "odyssey-tsa") -> Principal:
    return Principal(subject=f"{role}-{alliance}", roles=frozenset({role}), alliance_id=alliance)


def confirmed(participant: str = "tom", lead: str = "sarah") -> BookingConfirmed:
    run = f.tag()
    booking = f.booking(run, booker_is_lead=True)
    people = {
        "participant": booking.participant.model_copy(
            update={"email": f"{participant}.{run}@school.example"}
        ),
        "cpd_lead": booking.cpd_lead.model_copy(update={"email": f"{lead}.{run}@school.example"}),
    }
    booking = booking.model_copy(update={**people, "booker": people["cpd_lead"]})
    return BookingConfirmed(course=f.course(), booking=booking)


async def of_event(sessions: Sessions, event_id, principal: Principal | None = None) -> dict:
    page = await StaffLog(sessions).list(principal or staff(), LogQuery(event_id=event_id))
    return {n.recipient_email: n for n in page.items}


async def test_an_event_is_recorded_once_per_person_however_often_it_arrives(
    sessions: Sessions,
) -> None:
    data, event_id = confirmed(), uuid4()
    for _ in range(3):
        await record_event(sessions, data, event_id)

    found = await of_event(sessions, event_id)
    assert set(found) == {data.booking.participant.email, data.booking.cpd_lead.email}
    assert {n.status for n in found.values()} == {"pending"}
    assert {n.recipient_kind for n in found.values()} == {"participant", "cpd_lead"}


def test_a_name_or_title_with_line_breaks_is_recorded_on_one_line() -> None:
    data = confirmed()
    participant = data.booking.participant.model_copy(
        update={"name": "Tom Hughes\r\nBcc: x@evil.test"}
    )
    data = data.model_copy(
        update={
            "booking": data.booking.model_copy(update={"participant": participant}),
            "course": data.course.model_copy(update={"title": "Phonics\r\nBcc: y@evil.test"}),
        }
    )
    [mine, _] = record.plan(envelope(data), data)
    assert mine.recipient_name == "Tom Hughes Bcc: x@evil.test"
    assert mine.subject == "Booking confirmed: Phonics Bcc: y@evil.test"
    assert "Tom Hughes" in mine.body_text


async def test_a_due_notification_is_sent_once_and_recorded_as_sent(sessions: Sessions) -> None:
    mailer = FakeMailer()
    data = confirmed()
    event_id = await record_event(sessions, data)

    await Dispatch(sessions, mailer, RetryPolicy()).sweep()

    found = await of_event(sessions, event_id)
    for address, notification in found.items():
        [sent] = mailer.sent_to(address)
        assert sent.message_id == notification.message_id
        assert notification.status == "sent" and notification.attempts == 1
        assert notification.sent_at is not None and notification.last_error is None


async def test_a_temporary_failure_waits_its_backoff_then_is_given_up(sessions: Sessions) -> None:
    mailer = FakeMailer()
    dispatch = Dispatch(sessions, mailer, RetryPolicy(max_attempts=3, base_s=60, max_delay_s=60))
    data = confirmed(participant="later")
    later = data.booking.participant.email
    event_id = await record_event(sessions, data)

    await dispatch.sweep()
    waiting = (await of_event(sessions, event_id))[later]
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert "SMTP 451" in (waiting.last_error or "")
    assert (waiting.next_attempt_at - waiting.created_at).total_seconds() >= 59

    await dispatch.sweep()  # not due yet: not tried again
    assert mailer.tried.count(later) == 1

    for _ in range(2):
        await make_due(sessions, event_id)
        await dispatch.sweep()
    given_up = (await of_event(sessions, event_id))[later]
    assert (given_up.status, given_up.attempts) == ("failed", 3)
    assert given_up.failed_at is not None
    assert mailer.tried.count(later) == 3
    assert (await of_event(sessions, event_id))[data.booking.cpd_lead.email].status == "sent"


async def test_a_permanent_failure_fails_at_once(sessions: Sessions) -> None:
    mailer = FakeMailer()
    data = confirmed(participant="refused")
    event_id = await record_event(sessions, data)

    await Dispatch(sessions, mailer, RetryPolicy()).sweep()

    refused = (await of_event(sessions, event_id))[data.booking.participant.email]
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert "SMTP 550" in (refused.last_error or "")


async def test_concurrent_senders_send_each_notification_exactly_once(sessions: Sessions) -> None:
    mailer = FakeMailer()
    events = [await record_event(sessions, confirmed()) for _ in range(15)]
    dispatch = Dispatch(sessions, mailer, RetryPolicy())
    senders = Worker("test-senders", dispatch.send_batch, interval_s=3600, concurrency=4)
    senders.start()
    try:
        senders.wake()

        async def all_sent() -> list[str]:
            statuses = []
            for event_id in events:
                statuses += [n.status for n in (await of_event(sessions, event_id)).values()]
            return statuses

        await eventually(all_sent, lambda s: set(s) == {"sent"}, message="all sent")
    finally:
        await senders.stop()
    ids = [o.message_id for o in mailer.sent]
    assert len(ids) == len(set(ids)) == 2 * len(events)


async def test_staff_see_their_own_alliance_filtered(sessions: Sessions) -> None:
    ours, theirs = confirmed(), confirmed()
    theirs = theirs.model_copy(
        update={"course": theirs.course.model_copy(update={"alliance_id": THEIRS})}
    )
    ours_id = await record_event(sessions, ours)
    theirs_id = await record_event(sessions, theirs)
    log = StaffLog(sessions)
    coordinator = staff(Role.COORDINATOR)

    assert len(await of_event(sessions, ours_id, coordinator)) == 2
    assert await of_event(sessions, theirs_id, coordinator) == {}
    by_recipient = await log.list(
        coordinator, LogQuery(recipient=ours.booking.participant.email.upper())
    )
    assert [n.event_id for n in by_recipient.items] == [ours_id]
    first = await log.list(coordinator, LogQuery(event_id=ours_id, limit=1))
    assert (first.total, len(first.items), first.next_offset, first.previous_offset) == (
        2,
        1,
        1,
        None,
    )
    their_one = next(iter((await of_event(sessions, theirs_id, staff(alliance=THEIRS))).values()))
    assert (await log.get(staff(alliance=THEIRS), their_one.id)).body_text
    with pytest.raises(NotFound):
        await log.get(coordinator, their_one.id)
    with pytest.raises(Forbidden):
        await log.list(staff(Role.PARTICIPANT), LogQuery())


async def test_an_administrator_sends_a_failed_notification_again(sessions: Sessions) -> None:
    woken: list[bool] = []
    log = StaffLog(sessions, requeued=lambda: woken.append(True))
    mailer = FakeMailer()
    data = confirmed(participant="refused")
    event_id = await record_event(sessions, data)
    await Dispatch(sessions, mailer, RetryPolicy()).sweep()
    found = await of_event(sessions, event_id)
    failed = found[data.booking.participant.email]
    sent = found[data.booking.cpd_lead.email]

    with pytest.raises(Forbidden):
        await log.retry(staff(Role.COORDINATOR), failed.id)
    with pytest.raises(NotFound):
        await log.retry(staff(alliance=THEIRS), failed.id)
    with pytest.raises(Conflict):
        await log.retry(staff(), sent.id)
    assert woken == []

    again = await log.retry(staff(), failed.id)
    assert (again.status, again.attempts, again.failed_at) == ("pending", 0, None)
    assert woken == [True]
    with pytest.raises(Conflict):
        await log.retry(staff(), failed.id)


def test_an_event_naming_no_alliance_is_refused_for_good() -> None:
    data = confirmed()
    data = data.model_copy(update={"course": data.course.model_copy(update={"alliance_id": ""})})
    with pytest.raises(PermanentError, match="names no alliance"):
        record.plan(envelope(data), data)
