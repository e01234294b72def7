"""A row the relay cannot publish: the rows before it go out once, it says why, the rest wait."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from services.bookings.config import BookingsSettings
from shared.messaging.broker import make_broker
from shared.messaging.relay import OutboxRelay
from shared.runtime import ServiceRuntime
from tests.platform.conftest import kernel_database
from tests.platform.kernel_app import TOPIC, Counted, build_runtime
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack
from tests.support.wait import eventually


@dataclass
class Row:
    id: int
    n: int
    attempts: int
    last_error: str | None
    published: bool


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[ServiceRuntime]:
    """A kernel database of the test's own, whose rows no other relay publishes."""
    url = await kernel_database(stack, f"relay_{uuid.uuid4().hex[:8]}")
    runtime = build_runtime(stack.settings(BookingsSettings, BOOKINGS_DATABASE_URL=url))
    try:
        yield runtime
    finally:
        await runtime.engine.dispose()


async def rows_of(runtime: ServiceRuntime) -> list[Row]:
    t = runtime.outbox_table
    query = select(
        t.c.id, t.c.payload["n"].as_integer(), t.c.attempts, t.c.last_error, t.c.published_at
    ).order_by(t.c.id)
    async with runtime.sessions() as session:
        return [
            Row(id, n, attempts, error, published is not None)
            for id, n, attempts, error, published in (await session.execute(query)).all()
        ]


async def test_the_rows_before_a_failing_row_are_published_once_and_the_rest_follow_in_order(
    stack: Stack, store: ServiceRuntime
) -> None:
    counter = f"relay-{uuid.uuid4()}"
    async with store.sessions() as session, session.begin():
        for n in range(1, 10):
            await store.outbox.add(session, Counted(counter=counter, n=n))
    table = store.outbox_table
    too_big = {"counter": counter, "n": 6, "padding": "x" * 2_000_000}
    async with store.sessions() as session, session.begin():
        await session.execute(
            update(table).where(table.c.payload["n"].as_integer() == 6).values(payload=too_big)
        )

    broker = make_broker(store.settings, f"relay-{counter}")
    relay = OutboxRelay(store.sessions, broker, table, counter, poll_interval_s=0.05)
    await broker.start()
    relay.start()
    try:
        rows = await eventually(
            lambda: rows_of(store), lambda rows: rows[5].attempts >= 3, timeout=30
        )
        assert [r.published for r in rows] == [True] * 5 + [False] * 4
        assert [r.attempts for r in rows[:5]] == [1] * 5
        assert "MessageSizeTooLarge" in (rows[5].last_error or ""), "the reason is on its row"
        assert all(r.last_error is None for r in rows[:5] + rows[6:])
        assert [r.attempts for r in rows[6:]] == [0, 0, 0], "the rows behind it wait"
        assert relay.last_error and "MessageSizeTooLarge" in relay.last_error

        async with store.sessions() as session, session.begin():
            await session.execute(
                update(table)
                .where(table.c.id == rows[5].id)
                .values(payload={"counter": counter, "n": 6})
            )
        relay.wake()
        rows = await eventually(lambda: rows_of(store), lambda rs: all(r.published for r in rs))
        assert relay.last_error is None
        assert [r.attempts for r in rows] == [1] * 5 + [rows[5].attempts] + [1] * 3
    finally:
        await relay.stop()
        await broker.stop()

    # One key, one partition: once 9 is read, everything published before it has been read too.
    records = await read_topic(
        stack.bootstrap,
        TOPIC,
        match=lambda r: r.key == counter.encode(),
        until=lambda found: any(json.loads(r.value)["n"] == 9 for r in found),
    )
    assert [json.loads(r.value)["n"] for r in records] == list(range(1, 10))
    assert len({header(r, "ce_id") for r in records}) == 9
