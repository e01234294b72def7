"""What a relay pass costs: one statement takes the lock and the rows, an idle relay looks with one
statement outside any transaction, and the commits woken during the linger go out in one pass."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text, update

from services.bookings.config import BookingsSettings
from shared.messaging.broker import make_broker
from shared.messaging.relay import OutboxRelay
from shared.runtime import ServiceRuntime
from tests.platform.conftest import kernel_database, statements_of
from tests.platform.kernel_app import Counted, build_runtime
from tests.support.stack import Stack
from tests.support.wait import eventually


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[ServiceRuntime]:
    """A kernel database of the test's own, whose rows no other relay publishes."""
    url = await kernel_database(stack, f"passes_{uuid.uuid4().hex[:8]}")
    runtime = build_runtime(stack.settings(BookingsSettings, BOOKINGS_DATABASE_URL=url))
    try:
        yield runtime
    finally:
        await runtime.engine.dispose()


async def add(runtime: ServiceRuntime, counter: str, n: int) -> None:
    async with runtime.sessions() as session, session.begin():
        await runtime.outbox.add(session, Counted(counter=counter, n=n))


async def published(runtime: ServiceRuntime) -> list[tuple[int, bool, int]]:
    t = runtime.outbox_table
    query = select(t.c.payload["n"].as_integer(), t.c.published_at.is_not(None), t.c.attempts)
    async with runtime.sessions() as session:
        return [tuple(r) for r in (await session.execute(query.order_by(t.c.id))).all()]  # type: ignore[misc]


def passes(statements: list[str]) -> list[str]:
    return [s for s in statements if "FOR UPDATE" in s]


async def test_a_row_a_relay_published_after_the_pass_began_is_not_taken_again(
    store: ServiceRuntime,
) -> None:
    """The pass's snapshot is older than its lock: a row that the relay before it published and
    committed meanwhile still reads as pending there, and must be re-read and skipped."""
    counter = f"race-{uuid.uuid4()}"
    await add(store, counter, 1)
    await add(store, counter, 2)
    t = store.outbox_table
    broker = make_broker(store.settings, f"relay-{counter}")
    relay = OutboxRelay(store.sessions, broker, t, counter)
    await broker.start()
    try:
        async with store.sessions() as other, other.begin():
            # Another relay has sent row 1 and is about to commit that it did.
            first = await other.scalar(select(func.min(t.c.id)))
            await other.execute(
                update(t).where(t.c.id == first).values(published_at=func.now(), attempts=1)
            )
            racing = asyncio.create_task(relay.publish_batch())

            async def waiting_for_row_1() -> int:
                async with store.sessions() as watcher:
                    waiting = text(
                        "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                        " and query like '%FOR UPDATE%' and datname = current_database()"
                    )
                    return int(await watcher.scalar(waiting) or 0)

            await eventually(waiting_for_row_1, lambda n: n == 1)
        assert await racing == 1, "row 2 only"
    finally:
        await broker.stop()
    assert await published(store) == [(1, True, 1), (2, True, 1)], "row 1 sent once, not twice"


async def test_an_idle_relay_looks_with_one_statement_and_takes_no_lock(
    store: ServiceRuntime,
) -> None:
    counter = f"idle-{uuid.uuid4()}"
    broker = make_broker(store.settings, f"relay-{counter}")
    relay = OutboxRelay(store.sessions, broker, store.outbox_table, counter, poll_interval_s=0.02)
    await broker.start()
    try:
        with statements_of(store) as sent:
            relay.start()
            await eventually(lambda: _value(sent), lambda s: len(s) >= 5)
            assert not passes(sent), sent
            assert not [s for s in sent if "advisory" in s], sent

            await add(store, counter, 1)  # by another process: nobody wakes this relay
            await eventually(lambda: published(store), lambda rows: rows == [(1, True, 1)])
            assert len(passes(sent)) == 1
    finally:
        await relay.stop()
        await broker.stop()


async def test_the_commits_woken_during_the_linger_go_out_in_one_pass(
    store: ServiceRuntime,
) -> None:
    counter = f"linger-{uuid.uuid4()}"
    broker = make_broker(store.settings, f"relay-{counter}")
    relay = OutboxRelay(
        store.sessions, broker, store.outbox_table, counter, poll_interval_s=3600, linger_s=1.0
    )
    await broker.start()
    try:
        with statements_of(store) as sent:
            relay.start()
            await eventually(lambda: _value(sent), lambda s: len(s) >= 1)  # its first look
            for n in (1, 2, 3):
                await add(store, counter, n)
                relay.wake()
            await eventually(lambda: published(store), lambda rows: all(r[1] for r in rows))
            assert await published(store) == [(1, True, 1), (2, True, 1), (3, True, 1)]
            assert len(passes(sent)) == 1, "one pass for the three commits"
    finally:
        await relay.stop()
        await broker.stop()


async def _value(value: object) -> object:
    return value


async def test_a_published_row_stays_on_its_page(store: ServiceRuntime) -> None:
    """The outbox's pages are filled to half: marking a row published writes its new version on
    the same page (one page written, only the row's changed end logged), however many rows
    were written together."""
    counter = f"page-{uuid.uuid4()}"
    async with store.sessions() as session, session.begin():
        await store.outbox.add_all(session, [Counted(counter=counter, n=n) for n in range(40)])
    t = store.outbox_table
    page = text("(ctid::text::point)[0]::int")

    async def pages() -> list[int]:
        query = select(t.c.id, page).order_by(t.c.id)
        async with store.sessions() as session:
            return [p for _, p in (await session.execute(query)).all()]

    written = await pages()
    broker = make_broker(store.settings, f"relay-{counter}")
    relay = OutboxRelay(store.sessions, broker, t, counter)
    await broker.start()
    try:
        assert await relay.publish_batch() == 40
    finally:
        await broker.stop()
    assert await pages() == written
    assert all(row[1] for row in await published(store))
