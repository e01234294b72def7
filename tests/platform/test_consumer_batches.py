"""What a consumed batch costs: events of a type nobody here handles are passed over unread, the
inbox takes a batch of any size in one statement, built once, a batched handler writes a run of
consecutive events at once, and the offsets of the batches of an interval are committed to the
broker once."""

import asyncio
import logging
import uuid
from types import SimpleNamespace

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError

from shared.contracts.envelope import CloudEvent
from shared.messaging import consumer as consumer_module
from shared.messaging.consumer import BatchedHandler, EventConsumer, PermanentError
from shared.runtime import ServiceRuntime
from tests.platform.conftest import statements_of
from tests.platform.kernel_app import TOPIC as KERNEL_TOPIC
from tests.platform.kernel_app import AlwaysFails, Counted, ledger_rows
from tests.support.kafka import read_topic
from tests.support.stack import Stack
from tests.support.wait import eventually

TOPIC = "kernel.batches.v1"


class Broker:
    """Stands in for the broker: what would go to a dead-letter topic."""

    def __init__(self) -> None:
        self.published: list[tuple[bytes, str, dict[str, str]]] = []

    async def publish(self, value: bytes, topic: str, *, key: bytes, headers: dict) -> None:  # type: ignore[type-arg]
        self.published.append((value, topic, headers))


def record(offset: int, headers: dict[str, str], value: bytes) -> ConsumerRecord:
    encoded = [(k, v.encode()) for k, v in headers.items()]
    return ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", value, None, 1, len(value), encoded)


def of(event: CloudEvent, offset: int) -> ConsumerRecord:
    return record(offset, event.kafka_headers(), event.kafka_value())


async def test_a_known_type_nobody_here_handles_is_passed_over_unread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker = Broker()
    consumer = EventConsumer(broker, None, None, "batches")  # type: ignore[arg-type]
    consumer.on(Counted)(lambda *_: None)  # type: ignore[arg-type,return-value]
    read: list[ConsumerRecord] = []
    read_event = consumer_module.read_event

    def reading(r: ConsumerRecord) -> CloudEvent:
        read.append(r)
        return read_event(r)

    monkeypatch.setattr(consumer_module, "read_event", reading)
    other = CloudEvent(type=AlwaysFails.event_type, source="/test", data={"counter": "c"})
    passed_over = [
        of(other, 1),
        record(2, other.kafka_headers(), b"{not json"),  # unreadable, but not ours to read
        record(3, {**other.kafka_headers(), "ce_id": "not a uuid"}, b"{}"),
    ]
    await consumer.process(passed_over)
    assert read == [] and broker.published == [], "not read, not dead-lettered"

    unknown = CloudEvent(type="uk.alliance.nobody.v1", source="/test", data={})
    untyped = {k: v for k, v in other.kafka_headers().items() if k != "ce_type"}
    await consumer.process([of(unknown, 4), record(5, untyped, b"{}")])
    reasons = [headers["dlq_reason"] for _, _, headers in broker.published]
    assert "unknown event type uk.alliance.nobody.v1" in reasons[0], "may be meant for us"
    assert "missing headers ce_type" in reasons[1]
    assert len(read) == 2


async def test_the_inbox_takes_a_batch_of_any_size_in_one_statement_built_once(
    kernel: ServiceRuntime,
) -> None:
    counter = f"batch-{uuid.uuid4()}"
    ledger = kernel.metadata.tables["ledger"]
    consumer = EventConsumer(
        kernel.broker, kernel.sessions, kernel.inbox_table, f"batches-{uuid.uuid4()}"
    )

    @consumer.on(Counted)
    async def count(session, event: CloudEvent, data: Counted) -> None:  # type: ignore[no-untyped-def]
        await session.execute(
            ledger.insert().values(event_id=event.id, counter=data.counter, n=data.n)
        )

    events = [kernel.outbox.envelope(Counted(counter=counter, n=n)) for n in range(1, 7)]
    with statements_of(kernel) as sent:
        await consumer.process([of(events[0], 1)])
        await consumer.process([of(events[1], 2), of(events[2], 3)])
        # one repeated within the batch, one delivered before
        repeats = [of(events[3], 4), of(events[4], 5), of(events[3], 6), of(events[0], 7)]
        await consumer.process([*repeats, of(events[5], 8)])

    effects = [n for _, c, n in await ledger_rows(kernel) if c == counter]
    assert effects == [1, 2, 3, 4, 5, 6], "each event once"
    inbox = [s for s in sent if s.startswith("INSERT INTO inbox")]
    assert len(inbox) == 3, "one statement per batch"
    assert len(set(inbox)) == 1, "the same statement for 1, 2 and 5 events"


class CountInRuns(BatchedHandler[Counted]):
    """Counts a run of consecutive events in one statement; a count of 13 can never be."""

    def __init__(self, kernel: ServiceRuntime) -> None:
        self.ledger = kernel.metadata.tables["ledger"]
        self.runs: list[list[int]] = []

    def prepare(self, event: CloudEvent, data: Counted) -> dict[str, object]:  # type: ignore[override]
        if data.n == 13:
            raise PermanentError("13 is not counted")
        return {"event_id": event.id, "counter": data.counter, "n": data.n}

    async def write(self, session, prepared: list[dict[str, object]]) -> None:  # type: ignore[no-untyped-def,override]
        self.runs.append([row["n"] for row in prepared])  # type: ignore[misc]
        await session.execute(self.ledger.insert().values(prepared))


async def test_a_batched_handler_writes_each_run_of_its_events_at_once_in_order(
    kernel: ServiceRuntime,
) -> None:
    counter = f"runs-{uuid.uuid4()}"
    ledger = kernel.metadata.tables["ledger"]
    consumer = EventConsumer(
        kernel.broker, kernel.sessions, kernel.inbox_table, f"runs-{uuid.uuid4()}"
    )
    batched = CountInRuns(kernel)
    consumer.on(Counted)(batched)

    @consumer.on(AlwaysFails)
    async def one(session, event: CloudEvent, data: AlwaysFails) -> None:  # type: ignore[no-untyped-def]
        await session.execute(ledger.insert().values(event_id=event.id, counter=counter, n=0))

    counted = [kernel.outbox.envelope(Counted(counter=counter, n=n)) for n in range(1, 6)]
    between = kernel.outbox.envelope(AlwaysFails(counter=counter))
    batch = [*counted[:2], between, *counted[2:]]
    with statements_of(kernel) as sent:
        await consumer.process([of(event, offset) for offset, event in enumerate(batch)])
        await consumer.process([of(counted[0], 9)])  # delivered again: nothing written

    effects = [n for _, c, n in await ledger_rows(kernel) if c == counter]
    assert effects == [1, 2, 0, 3, 4, 5], "in the order of the batch"
    assert batched.runs == [[1, 2], [3, 4, 5]]
    assert len([s for s in sent if s.startswith("INSERT INTO ledger")]) == 3


async def test_an_event_a_batched_handler_cannot_prepare_is_dead_lettered_alone(
    kernel: ServiceRuntime,
) -> None:
    counter = f"runs-{uuid.uuid4()}"
    broker = Broker()
    consumer = EventConsumer(broker, kernel.sessions, kernel.inbox_table, f"runs-{uuid.uuid4()}")  # type: ignore[arg-type]
    consumer.on(Counted)(CountInRuns(kernel))
    events = [kernel.outbox.envelope(Counted(counter=counter, n=n)) for n in (12, 13, 14)]
    await consumer.process([of(event, offset) for offset, event in enumerate(events)])

    effects = [n for _, c, n in await ledger_rows(kernel) if c == counter]
    assert effects == [12, 14]
    [(_, _, headers)] = broker.published
    assert headers["dlq_reason"] == "13 is not counted"
    assert headers["ce_id"] == str(events[1].id)


class Consumer:
    """Stands in for aiokafka's consumer: what is committed."""

    def __init__(self, *, fail: bool = False) -> None:
        self.commits: list[dict[TopicPartition, int]] = []
        self.fail = fail
        self.attempts = 0

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition(TOPIC, 0)}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.attempts += 1
        if self.fail:
            raise CommitFailedError("rebalancing")
        self.commits.append(dict(offsets))


def passed_over(offset: int) -> ConsumerRecord:
    """A record this consumer passes over: processed without a database."""
    other = CloudEvent(type=AlwaysFails.event_type, source="/test", data={"counter": "c"})
    return of(other, offset)


def counting_consumer(broker: Broker, interval_s: float) -> EventConsumer:
    consumer = EventConsumer(broker, None, None, "batches", commit_interval_s=interval_s)  # type: ignore[arg-type]
    consumer.on(Counted)(lambda *_: None)  # type: ignore[arg-type,return-value]
    return consumer


async def test_offsets_are_committed_once_for_the_batches_of_an_interval() -> None:
    kafka = Consumer()
    consumer = counting_consumer(Broker(), interval_s=0.2)
    for offset in (1, 2, 3):
        await consumer.process([passed_over(offset)])
        await consumer.processed(kafka)  # type: ignore[arg-type]
    assert kafka.commits == [], "not yet: within the interval"
    await eventually(lambda: _value(kafka.commits), lambda c: len(c) == 1, timeout=3)
    assert kafka.commits == [{TopicPartition(TOPIC, 0): 4}], "after the last one processed"

    await consumer.process([passed_over(4)])
    await consumer.processed(kafka)  # type: ignore[arg-type]
    await eventually(lambda: _value(kafka.commits), lambda c: len(c) == 2, timeout=3)
    assert kafka.commits[-1] == {TopicPartition(TOPIC, 0): 5}


async def test_a_batch_being_processed_is_not_committed() -> None:
    kafka = Consumer()
    gate, publishing = asyncio.Event(), asyncio.Event()

    class SlowBroker(Broker):
        async def publish(self, value: bytes, topic: str, *, key: bytes, headers: dict) -> None:  # type: ignore[type-arg]
            publishing.set()
            await gate.wait()
            await super().publish(value, topic, key=key, headers=headers)

    consumer = counting_consumer(SlowBroker(), interval_s=3600)
    await consumer.process([passed_over(1)])
    unknown = CloudEvent(type="uk.alliance.nobody.v1", source="/test", data={})
    dead_lettering = asyncio.create_task(consumer.process([passed_over(2), of(unknown, 3)]))
    await publishing.wait()  # the batch is under way, its dead letter not yet out
    await consumer.commit(kafka)  # type: ignore[arg-type]
    gate.set()
    await dead_lettering
    await consumer.commit(kafka)  # type: ignore[arg-type]
    assert kafka.commits == [{TopicPartition(TOPIC, 0): 2}, {TopicPartition(TOPIC, 0): 4}]


async def test_closing_commits_at_once_and_then_after_every_batch() -> None:
    kafka = Consumer()
    consumer = counting_consumer(Broker(), interval_s=3600)
    consumer.subscriber = SimpleNamespace(consumer=kafka)
    await consumer.process([passed_over(1)])
    await consumer.processed(kafka)  # type: ignore[arg-type]
    await consumer.close()
    assert kafka.commits == [{TopicPartition(TOPIC, 0): 2}]
    await consumer.process([passed_over(2)])  # a batch the broker finishes as it stops
    await consumer.processed(kafka)  # type: ignore[arg-type]
    assert kafka.commits[-1] == {TopicPartition(TOPIC, 0): 3}


async def test_a_failed_commit_is_tried_again_without_another_batch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kafka = Consumer(fail=True)
    consumer = counting_consumer(Broker(), interval_s=0.05)
    await consumer.process([passed_over(1)])
    with caplog.at_level(logging.INFO, logger="shared.messaging.consumer"):
        await consumer.processed(kafka)  # type: ignore[arg-type]
        await eventually(lambda: _value(kafka.attempts), lambda n: n >= 2, timeout=3)
    assert "offsets not committed" in caplog.text
    assert kafka.commits == []
    kafka.fail = False  # the rebalance is over; no other event comes
    await eventually(lambda: _value(kafka.commits), lambda c: len(c) == 1, timeout=3)
    assert kafka.commits == [{TopicPartition(TOPIC, 0): 2}]
    await consumer.process([passed_over(2)])
    await consumer.commit(kafka)  # type: ignore[arg-type]
    assert kafka.commits[-1] == {TopicPartition(TOPIC, 0): 3}


async def _value(value: object) -> object:
    return value


async def test_the_group_offset_moves_past_what_was_applied(
    stack: Stack, kernel: ServiceRuntime
) -> None:
    counter = f"committed-{uuid.uuid4()}"
    async with kernel.transaction() as session:
        await kernel.outbox.add(session, Counted(counter=counter, n=1))
    [record] = await read_topic(
        stack.bootstrap, KERNEL_TOPIC, match=lambda r: r.key == counter.encode(), until=bool
    )
    await eventually(lambda: ledger_rows(kernel), lambda rows: any(r[1] == counter for r in rows))
    client = kernel.consumers[0].subscriber.consumer
    partition = TopicPartition(KERNEL_TOPIC, record.partition)
    await eventually(
        lambda: client.committed(partition), lambda offset: (offset or 0) > record.offset
    )
