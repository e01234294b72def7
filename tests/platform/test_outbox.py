"""The transactional outbox: no event without its commit, every committed event exactly once."""

import asyncio
import json
import uuid

import pytest

from shared.messaging.relay import OutboxRelay
from shared.runtime import ServiceRuntime
from tests.platform.kernel_app import TOPIC, Counted, ledger_rows
from tests.support.kafka import Record, header, read_topic
from tests.support.stack import Stack
from tests.support.wait import eventually


def of_counter(counter: str):  # type: ignore[no-untyped-def]
    return lambda record: record.key == counter.encode()


async def test_a_rolled_back_change_emits_nothing_and_a_committed_one_emits_once(
    stack: Stack, kernel: ServiceRuntime
) -> None:
    counter = f"c-{uuid.uuid4()}"
    with pytest.raises(RuntimeError):
        async with kernel.transaction() as session:
            await kernel.outbox.add(session, Counted(counter=counter, n=0))
            raise RuntimeError("the state change fails")
    async with kernel.transaction() as session:
        committed = await kernel.outbox.add(session, Counted(counter=counter, n=1))

    records = await read_topic(
        stack.bootstrap, TOPIC, match=of_counter(counter), until=lambda found: len(found) >= 1
    )
    await eventually(kernel.relay.pending_count, lambda n: n == 0)
    again = await read_topic(stack.bootstrap, TOPIC, match=of_counter(counter), until=bool)
    assert [header(r, "ce_id") for r in again] == [str(committed.id)]
    assert len(records) == 1


async def test_published_events_carry_the_cloudevents_envelope(
    stack: Stack, kernel: ServiceRuntime
) -> None:
    counter = f"c-{uuid.uuid4()}"
    async with kernel.transaction() as session:
        event = await kernel.outbox.add(session, Counted(counter=counter, n=7))

    [record] = await read_topic(stack.bootstrap, TOPIC, match=of_counter(counter), until=bool)
    assert header(record, "ce_id") == str(event.id)
    assert header(record, "ce_type") == "uk.alliance.kernel_test.counted.v1"
    assert header(record, "ce_source") == "/alliance/bookings"
    assert header(record, "ce_specversion") == "1.0"
    assert header(record, "ce_subject") == counter
    assert header(record, "ce_time")
    assert header(record, "ce_correlationid") == event.correlationid
    assert header(record, "content-type") == "application/json"
    assert json.loads(record.value) == {"counter": counter, "n": 7}


def _order_by_key(records: list[Record]) -> dict[bytes, list[int]]:
    order: dict[bytes, list[int]] = {}
    for record in records:
        order.setdefault(record.key, []).append(json.loads(record.value)["n"])
    return order


async def test_events_written_while_the_broker_is_paused_all_arrive_once_in_order(
    stack: Stack, kernel: ServiceRuntime
) -> None:
    counters = [f"p-{uuid.uuid4()}" for _ in range(3)]
    stack.kafka.pause()
    try:
        for n in range(30):
            async with kernel.transaction() as session:
                await kernel.outbox.add(session, Counted(counter=counters[n % 3], n=n))
        assert await kernel.relay.pending_count() > 0
    finally:
        stack.kafka.resume()

    records = await read_topic(
        stack.bootstrap,
        TOPIC,
        match=lambda r: r.key.decode() in counters,
        until=lambda found: len(found) >= 30,
    )
    ids = [header(r, "ce_id") for r in records]
    assert len(ids) == len(set(ids)) == 30
    order = _order_by_key(records)
    for i, counter in enumerate(counters):
        assert order[counter.encode()] == list(range(i, 30, 3))
    rows = await eventually(
        lambda: ledger_rows(kernel),
        lambda rows: len([r for r in rows if r[1] in counters]) >= 30,
    )
    effects = [r for r in rows if r[1] in counters]
    assert len(effects) == 30
    for i, counter in enumerate(counters):
        assert [r[2] for r in effects if r[1] == counter] == list(range(i, 30, 3))


async def test_several_relays_never_publish_the_same_row_twice(
    stack: Stack, kernel: ServiceRuntime, kernel_settings
) -> None:  # type: ignore[no-untyped-def]
    from shared.messaging.broker import make_broker

    await kernel.relay.stop()
    counters = [f"r-{uuid.uuid4()}" for _ in range(4)]
    brokers = [make_broker(kernel_settings, f"relay-{i}") for i in range(3)]
    relays = [
        OutboxRelay(kernel.sessions, broker, kernel.outbox_table, "bookings", batch_size=7)
        for broker in brokers
    ]
    try:
        for n in range(80):
            async with kernel.sessions() as session, session.begin():
                await kernel.outbox.add(session, Counted(counter=counters[n % 4], n=n))
        for broker in brokers:
            await broker.start()
        await asyncio.gather(*(relay_until_empty(relay) for relay in relays))
    finally:
        for broker in brokers:
            await broker.stop()
        kernel.relay.start()

    records = await read_topic(
        stack.bootstrap,
        TOPIC,
        match=lambda r: r.key.decode() in counters,
        until=lambda found: len(found) >= 80,
    )
    ids = [header(r, "ce_id") for r in records]
    assert len(ids) == len(set(ids)) == 80
    order = _order_by_key(records)
    for i, counter in enumerate(counters):
        assert order[counter.encode()] == list(range(i, 80, 4))


async def relay_until_empty(relay: OutboxRelay) -> None:
    while await relay.pending_count() > 0:
        await relay.publish_batch()


async def test_a_row_that_cannot_be_published_shows_why_and_holds_back_the_rest(
    stack: Stack, kernel_settings
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from shared.messaging.broker import make_broker
    from tests.platform.kernel_app import build_runtime
    from tests.support.wait import eventually

    url = await stack.migrated_database("bookings", "poison")
    settings = kernel_settings.model_copy(update={"database": url})
    runtime = build_runtime(settings)
    broker = make_broker(settings, "poison-relay")
    relay = OutboxRelay(runtime.sessions, broker, runtime.outbox_table, "poison")
    table = runtime.outbox_table
    async with runtime.sessions() as session, session.begin():
        await runtime.outbox.add(session, Counted(counter="poison", n=1))
        too_big = {"counter": "poison", "n": 1, "padding": "x" * 2_000_000}
        await session.execute(table.update().values(payload=too_big))
        await runtime.outbox.add(session, Counted(counter="poison", n=2))

    async def rows() -> list[tuple[int, int, str | None, object]]:
        async with runtime.sessions() as session:
            query = select(table.c.id, table.c.attempts, table.c.last_error, table.c.published_at)
            return [tuple(r) for r in (await session.execute(query.order_by(table.c.id))).all()]

    await broker.start()
    relay.start()
    try:
        first, second = await eventually(rows, lambda found: found[0][1] >= 1, timeout=30)
    finally:
        await relay.stop()
        await broker.stop()
        await runtime.engine.dispose()
    assert "MessageSizeTooLarge" in (first[2] or ""), "the reason is on the row"
    assert first[3] is None and second[3] is None, "nothing after it overtakes it"


async def test_events_added_together_are_published_in_the_order_given(
    stack: Stack, kernel: ServiceRuntime
) -> None:
    counter = f"c-{uuid.uuid4()}"
    async with kernel.transaction() as session:
        events = await kernel.outbox.add_all(
            session, [Counted(counter=counter, n=n) for n in (3, 1, 2)]
        )
        assert await kernel.outbox.add_all(session, []) == []

    records = await read_topic(
        stack.bootstrap, TOPIC, match=of_counter(counter), until=lambda found: len(found) >= 3
    )
    assert [header(r, "ce_id") for r in records] == [str(e.id) for e in events]
    assert [json.loads(r.value)["n"] for r in records] == [3, 1, 2]
