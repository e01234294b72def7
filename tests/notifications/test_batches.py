"""The consumer records a batch's notifications in one statement. Senders claim due
notifications in batches: one statement claims a batch, one statement
records each email; a failure is that email's alone; a claim lasts as long as the database
session that made it (a sender that dies releases what it claimed, a live one keeps it).

On a database of this module's own, so that nothing another test left due is sent here."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import personal_data_store as store
from services.notifications import repository
from services.notifications.domain.messages import Outgoing
from services.notifications.domain.retry import RetryPolicy
from services.notifications.tables import notifications as t
from services.notifications.usecases.dispatch import Dispatch
from shared.storage.engine import make_engine, make_sessions
from tests.notifications import factories as f
from tests.notifications.support import envelope
from tests.notifications.usecase_support import FakeMailer, record, record_event
from tests.support.stack import Stack

Sessions = async_sessionmaker[AsyncSession]
LINK = "https://brokerage.example/support-requests/42/school?token=s3cret"


@pytest.fixture(scope="module")
async def sessions(stack: Stack) -> AsyncIterator[Sessions]:
    engine = make_engine(await stack.migrated_database("notifications", "batches"))
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


@pytest.fixture(autouse=True)
async def nothing_left(sessions: Sessions) -> None:
    """Each test starts with no notification at all."""
    async with sessions() as session, session.begin():
        await session.execute(t.delete())


async def record_bookings(sessions: Sessions, count: int, participant: str = "tom") -> list[str]:
    """``count`` confirmed bookings (two emails each, recorded in this order); the
    participants' addresses."""
    addresses = []
    for n in range(count):
        data = f.confirmed()
        address = f"{participant}{n}.{f.tag()}@school.example"
        who = data.booking.participant.model_copy(update={"email": address})
        booking = data.booking.model_copy(update={"participant": who})
        await record_event(sessions, data.model_copy(update={"booking": booking}))
        addresses.append(address)
    return addresses


async def rows(sessions: Sessions) -> dict[str, Any]:
    async with sessions() as session:
        return {r.recipient_email: r for r in (await session.execute(select(t))).all()}


@contextmanager
def statements(sessions: Sessions) -> Iterator[list[str]]:
    """The first word of every statement the sessions' engine runs meanwhile, in order."""
    seen: list[str] = []
    engine = sessions.kw["bind"].sync_engine

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@dataclass
class DiesMidBatch(FakeMailer):
    """The server takes every message, but the process dies once it has taken ``survives``
    of them: the last one taken is never recorded as sent."""

    survives: int = 3
    taken: int = 0

    async def send(
        self, outgoing: Outgoing, accepted: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self.taken += 1
        if self.taken == self.survives:
            self.sent.append(outgoing)  # the server has it ...
            raise ProcessDied  # ... and the process is gone before "sent" is recorded
        await super().send(outgoing, accepted)


class ProcessDied(BaseException):
    pass


@dataclass
class Erases(FakeMailer):
    """Erases ``address`` (as bookings asks) just before the first message goes out."""

    sessions: Sessions | None = None
    address: str = ""
    done: list[bool] = field(default_factory=list)

    async def send(
        self, outgoing: Outgoing, accepted: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        if not self.done and self.sessions is not None:
            self.done.append(True)
            async with self.sessions() as session, session.begin():
                await store.erase(session, self.address, datetime.now(UTC))
        await super().send(outgoing, accepted)


async def test_a_batch_of_events_is_recorded_in_one_statement(sessions: Sessions) -> None:
    events = [(envelope(data), data) for data in (f.confirmed() for _ in range(3))]
    erased = events[1][1].booking.participant.email
    async with sessions() as session, session.begin():
        await store.erase(session, erased, datetime.now(UTC))  # after the events' time
    async with sessions() as session, session.begin():
        await record(session, *events[0])  # recorded before: left as it is
    before = await rows(sessions)

    async with sessions() as session, session.begin():
        with statements(sessions) as seen:
            await record.write(session, [record.prepare(event, data) for event, data in events])

    assert seen == ["INSERT"]
    found = await rows(sessions)
    expected = {
        person.email
        for _, data in events
        for person in (data.booking.participant, data.booking.cpd_lead)
        if person.email != erased
    }
    assert set(found) == expected
    assert {e: found[e].created_at for e in before} == {e: r.created_at for e, r in before.items()}
    assert {r.event_id for r in found.values()} == {event.id for event, _ in events}


async def test_a_batch_is_one_claim_then_one_statement_per_email(sessions: Sessions) -> None:
    participants = await record_bookings(sessions, 3)
    mailer = FakeMailer()
    dispatch = Dispatch(sessions, mailer, RetryPolicy(), batch=10)

    with statements(sessions) as seen:
        more = await dispatch.send_batch()

    assert seen == ["UPDATE"] * 7  # the claim, then each of the 6 emails recorded as sent
    assert more is False  # fewer than a batch was due: nothing more to look for
    found = await rows(sessions)
    assert {(r.status, r.attempts, r.claimed_by) for r in found.values()} == {("sent", 1, None)}
    assert sorted(o.message_id for o in mailer.sent) == sorted(r.message_id for r in found.values())
    assert [
        o.to_email for o in mailer.sent if o.to_email in participants
    ] == participants  # oldest first


async def test_a_full_batch_says_more_may_be_due_and_the_next_takes_the_rest(
    sessions: Sessions,
) -> None:
    await record_bookings(sessions, 3)
    mailer = FakeMailer()
    dispatch = Dispatch(sessions, mailer, RetryPolicy(), batch=4)

    assert await dispatch.send_batch() is True
    assert len(mailer.sent) == 4
    assert await dispatch.send_batch() is False
    assert len({o.message_id for o in mailer.sent}) == len(mailer.sent) == 6


async def test_one_permanent_failure_in_a_batch_fails_that_email_only(sessions: Sessions) -> None:
    [tom, refused, amy] = [
        *await record_bookings(sessions, 1),
        *await record_bookings(sessions, 1, participant="refused."),
        *await record_bookings(sessions, 1, participant="amy"),
    ]
    mailer = FakeMailer()

    await Dispatch(sessions, mailer, RetryPolicy(), batch=10).send_batch()

    found = await rows(sessions)
    assert (found[refused].status, found[refused].attempts) == ("failed", 1)
    assert "SMTP 550" in found[refused].last_error
    assert found[refused].claimed_by is None and found[refused].failed_at is not None
    others = [r for address, r in found.items() if address != refused]
    assert {(r.status, r.attempts) for r in others} == {("sent", 1)}
    assert mailer.tried.count(refused) == 1
    assert len(mailer.sent) == 5 and {tom, amy} <= {o.to_email for o in mailer.sent}


async def test_a_temporary_failure_in_a_batch_defers_that_email_only(sessions: Sessions) -> None:
    [later] = await record_bookings(sessions, 1, participant="later.")
    await record_bookings(sessions, 2)
    mailer = FakeMailer()
    dispatch = Dispatch(sessions, mailer, RetryPolicy(max_attempts=3, base_s=60), batch=10)

    await dispatch.send_batch()

    found = await rows(sessions)
    waiting = found[later]
    assert (waiting.status, waiting.attempts, waiting.claimed_by) == ("pending", 1, None)
    assert "SMTP 451" in waiting.last_error
    assert (waiting.next_attempt_at - waiting.created_at).total_seconds() >= 59
    assert {r.status for a, r in found.items() if a != later} == {"sent"}
    assert await dispatch.send_batch() is False  # not due yet: not tried again
    assert mailer.tried.count(later) == 1


async def test_a_crash_after_the_server_took_part_of_a_batch_resends_one_at_most(
    sessions: Sessions,
) -> None:
    await record_bookings(sessions, 3)
    dying = DiesMidBatch(survives=3)

    with pytest.raises(ProcessDied):
        await Dispatch(sessions, dying, RetryPolicy(), batch=10).send_batch()

    found = await rows(sessions)
    assert sorted(r.status for r in found.values()) == ["pending"] * 4 + ["sent"] * 2
    # Its claims ended with its session: another sender takes the rest at once.
    again = FakeMailer()
    assert await Dispatch(sessions, again, RetryPolicy(), batch=10).sweep() == 4
    assert {r.status for r in (await rows(sessions)).values()} == {"sent"}
    delivered = [o.message_id for o in dying.sent + again.sent]
    assert set(delivered) == {r.message_id for r in found.values()}
    assert len(delivered) == len(found) + 1  # the one taken but never recorded, sent again


async def test_a_claim_holds_while_its_session_lives_and_ends_with_it(
    sessions: Sessions,
) -> None:
    await record_bookings(sessions, 2)
    other = FakeMailer()
    async with sessions() as claimer:
        await claimer.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        held = await repository.claim_for_sending(claimer, 3)
        assert len(held) == 3

        assert await Dispatch(sessions, other, RetryPolicy(), batch=10).sweep() == 1
        assert {o.message_id for o in other.sent}.isdisjoint({r.message_id for r in held})

        await claimer.invalidate()  # the claiming process dies: its connection is gone

    assert await Dispatch(sessions, other, RetryPolicy(), batch=10).sweep() == 3
    assert {r.status for r in (await rows(sessions)).values()} == {"sent"}
    assert len({o.message_id for o in other.sent}) == len(other.sent) == 4


async def test_a_claim_by_a_session_that_ended_is_not_kept_by_a_later_one_with_its_pid(
    sessions: Sessions,
) -> None:
    [reused, live] = await record_bookings(sessions, 2)
    async with sessions() as alive:
        pid, started = (
            await alive.execute(
                text("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")
            )
        ).one()
        async with sessions() as session, session.begin():
            # The first claim is older than the live session with its pid: PostgreSQL gave
            # the pid of the session that claimed it (now ended) to a new one. The second is
            # that live session's own.
            for address, claimed_at in ((reused, started - timedelta(hours=1)), (live, started)):
                await session.execute(
                    update(t)
                    .where(t.c.recipient_email == address)
                    .values(claimed_by=pid, claimed_at=claimed_at)
                )
        mailer = FakeMailer()
        assert await Dispatch(sessions, mailer, RetryPolicy(), batch=10).sweep() == 3
    assert reused in mailer.tried and live not in mailer.tried


async def test_an_address_erased_while_its_batch_is_out_keeps_no_record_of_it(
    sessions: Sessions,
) -> None:
    [first, erased, last] = await record_bookings(sessions, 3)
    mailer = Erases(sessions=sessions, address=erased)

    await Dispatch(sessions, mailer, RetryPolicy(), batch=10).sweep()

    found = await rows(sessions)
    assert erased not in found  # its pending row went with the erasure
    assert {r.status for r in found.values()} == {"sent"}
    assert {first, last} <= {o.to_email for o in mailer.sent}
    assert len(found) == 5


async def test_an_address_erased_before_the_batch_is_not_sent(sessions: Sessions) -> None:
    [first, erased, last] = await record_bookings(sessions, 3)
    async with sessions() as session, session.begin():
        await store.erase(session, erased, datetime.now(UTC))
    mailer = FakeMailer()

    assert await Dispatch(sessions, mailer, RetryPolicy(), batch=10).sweep() == 5

    assert erased not in mailer.tried
    assert {first, last} <= {o.to_email for o in mailer.sent}


async def test_the_school_link_leaves_the_stored_copy_when_sent_and_stays_when_deferred(
    sessions: Sessions,
) -> None:
    [kept, gone] = await record_bookings(sessions, 2, participant="later.")
    async with sessions() as session, session.begin():
        await session.execute(
            update(t).values(body_text=f"Your page: {LINK}\n", body_html=f'<a href="{LINK}">x</a>')
        )
        await session.execute(  # this one's server takes it
            update(t).where(t.c.recipient_email == gone).values(recipient_email="amy@school.test")
        )
    mailer = FakeMailer()

    await Dispatch(sessions, mailer, RetryPolicy(), batch=10).sweep()

    assert all(LINK in o.text and LINK in o.html for o in mailer.sent)  # as sent: working
    found = await rows(sessions)
    assert LINK in found[kept].body_text and LINK in found[kept].body_html  # deferred
    sent = found["amy@school.test"]
    assert sent.status == "sent" and "s3cret" not in sent.body_text + sent.body_html
    assert "school?token=removed-after-sending" in sent.body_text
