"""Messages the consumer cannot decode go to the dead-letter topic; the partition moves on.

The consumer here has a topic and a group of its own: on a consumer that blocks on a poison
message (as it once did), no other test's events are stuck behind it.
"""

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from devstack import ensure_topics
from services.bookings.config import BookingsSettings
from shared.contracts.topics import dead_letter_topic
from shared.runtime import ServiceRuntime
from tests.platform.conftest import kernel_database
from tests.platform.kernel_app import Counted, build_runtime, ledger_rows
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack
from tests.support.wait import eventually

TOPIC = "kernel.poison.v1"
GROUP = "kernel-poison"
DLQ = dead_letter_topic(GROUP)


@pytest.fixture(scope="module")
async def poisoned(stack: Stack) -> AsyncIterator[ServiceRuntime]:
    url = await kernel_database(stack, "poison_consumer")
    await ensure_topics(stack.bootstrap, {TOPIC: 1, DLQ: 1})
    runtime = build_runtime(
        stack.settings(BookingsSettings, BOOKINGS_DATABASE_URL=url), topic=TOPIC, group=GROUP
    )
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


Raw = tuple[dict[str, bytes], bytes]


def good(runtime: ServiceRuntime, counter: str, n: int) -> Raw:
    event = runtime.outbox.envelope(Counted(counter=counter, n=n))
    return _bytes(event.kafka_headers()), event.kafka_value()


def _bytes(headers: dict[str, str]) -> dict[str, bytes]:
    return {k: v.encode() for k, v in headers.items()}


async def send_all(stack: Stack, key: str, messages: list[Raw]) -> None:
    """Sent in one go, so that they travel in the same batches."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", linger_ms=50)
    await producer.start()
    try:
        sent = [
            await producer.send(TOPIC, value, key=key.encode(), headers=list(headers.items()))
            for headers, value in messages
        ]
        for delivery in sent:
            await delivery
    finally:
        await producer.stop()


async def counted(runtime: ServiceRuntime, counter: str) -> list[int]:
    return [n for _, c, n in await ledger_rows(runtime) if c == counter]


async def test_undecodable_messages_are_dead_lettered_and_the_events_around_them_applied(
    stack: Stack, poisoned: ServiceRuntime
) -> None:
    counter = f"poison-{uuid.uuid4()}"
    headers, _ = good(poisoned, counter, 0)
    not_json = (headers, b"{this is not json")
    not_utf8 = ({**good(poisoned, counter, 0)[0], "ce_subject": b"\xff\xfe caf\xe9"}, b"{}")
    untyped = ({k: v for k, v in headers.items() if k != "ce_type"}, b"{}")
    unknown_headers = {**good(poisoned, counter, 0)[0], "ce_type": b"uk.alliance.nobody.v1"}
    unknown = (unknown_headers, good(poisoned, counter, 0)[1])
    off_contract = (good(poisoned, counter, 0)[0], b'{"counter": "x", "n": "two"}')
    poison = [not_json, not_utf8, untyped, unknown, off_contract]
    messages: list[Raw] = []
    for n, bad in enumerate(poison, start=1):
        messages += [good(poisoned, counter, n), bad]
    messages.append(good(poisoned, counter, len(poison) + 1))

    await send_all(stack, counter, messages)

    await eventually(lambda: counted(poisoned, counter), lambda ns: len(ns) >= 6, timeout=30)
    assert await counted(poisoned, counter) == [1, 2, 3, 4, 5, 6]
    dead = await read_topic(
        stack.bootstrap,
        DLQ,
        match=lambda r: r.key == counter.encode(),
        until=lambda found: len(found) >= len(poison),
    )
    reasons = [header(r, "dlq_reason") or "" for r in dead]
    assert len(dead) == len(poison), reasons
    assert "body is not JSON" in reasons[0]
    assert "header ce_subject is not UTF-8" in reasons[1]
    assert "missing headers ce_type" in reasons[2]
    assert "unknown event type uk.alliance.nobody.v1" in reasons[3]
    assert "invalid data for uk.alliance.kernel_test.counted.v1: n:" in reasons[4]
    assert [r.value for r in dead] == [value for _, value in poison], "bodies kept as sent"
    assert all(header(r, "dlq_original_topic") == TOPIC for r in dead)
    assert all(header(r, "dlq_consumer_group") == GROUP for r in dead)
    offsets = [int(header(r, "dlq_original_offset") or -1) for r in dead]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(poison)


async def test_a_message_that_fails_decoding_in_an_unforeseen_way_is_dead_lettered_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aiokafka import ConsumerRecord

    from shared.messaging import consumer as consumer_module
    from shared.messaging.consumer import EventConsumer

    published: list[tuple[bytes, str, dict[str, str]]] = []

    class Broker:
        async def publish(self, value: bytes, topic: str, *, key: bytes, headers: dict) -> None:  # type: ignore[type-arg]
            published.append((value, topic, headers))

    def explode(record: ConsumerRecord) -> None:
        raise RecursionError("deeply nested")

    monkeypatch.setattr(consumer_module, "read_event", explode)
    consumer = EventConsumer(Broker(), None, None, GROUP)  # type: ignore[arg-type]
    record = ConsumerRecord(TOPIC, 0, 7, 0, 0, b"k", b"{}", None, 1, 2, [("ce_id", b"x")])
    await consumer.process([record])
    [(value, topic, headers)] = published
    assert (value, topic) == (b"{}", DLQ)
    assert headers["dlq_reason"] == "cannot decode: RecursionError: deeply nested"
    assert headers["dlq_original_offset"] == "7"
