"""Reading and replaying a consumer group's dead letters (``alliance dlq list|replay``).

A replay publishes the record's body and original headers (the ``dlq_*`` headers removed, a
``dlq_replayed_from`` header added) with the same key to its ``dlq_original_topic``. The
consumer's inbox makes this safe: an event that was in fact applied is skipped, one that was not
is applied. A dead letter stays in its topic after a replay (Kafka keeps it); one that fails
again comes back as a new dead letter. Fix the cause first.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream.kafka.security import parse_security

from shared.messaging.broker import kafka_security
from shared.settings import Settings

REPLAYED_FROM = "dlq_replayed_from"
IDLE_MS = 1000
"""Reading stops after a fetch this long that brings nothing. (Tansu under-reports a
partition's end offset, so the end offset alone cannot say when all has been read.)"""


class NoSuchTopic(LookupError):
    pass


@dataclass(frozen=True)
class DeadLetterRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @property
    def position(self) -> str:
        return f"{self.partition}:{self.offset}"

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode(errors="replace")
        return None

    @property
    def reason(self) -> str:
        return self.header("dlq_reason") or ""

    @property
    def original_topic(self) -> str | None:
        return self.header("dlq_original_topic")

    def replay_headers(self) -> list[tuple[str, bytes]]:
        kept = [(k, v) for k, v in self.headers if not k.startswith("dlq_")]
        return [*kept, (REPLAYED_FROM, f"{self.topic}:{self.position}".encode())]


def _client_options(settings: Settings) -> dict[str, object]:
    return {
        "bootstrap_servers": settings.bootstrap_servers(),
        **parse_security(kafka_security(settings)),
    }


async def read_dead_letters(settings: Settings, topic: str) -> list[DeadLetterRecord]:
    """Every record now in ``topic``, in partition and offset order."""
    consumer = AIOKafkaConsumer(
        **_client_options(settings), enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    found: list[DeadLetterRecord] = []
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(consumer, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        while batch := await consumer.getmany(timeout_ms=IDLE_MS):
            for records in batch.values():
                found.extend(
                    DeadLetterRecord(
                        r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers or ())
                    )
                    for r in records
                )
    finally:
        await consumer.stop()
    return sorted(found, key=lambda r: (r.partition, r.offset))


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer.topics()
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise NoSuchTopic(f"no such topic: {topic}")
    return set(partitions)


async def count_dead_letters(settings: Settings, topic: str) -> int:
    """How many records ``topic`` holds (end less beginning offsets; cheap, no reading)."""
    consumer = AIOKafkaConsumer(
        **_client_options(settings), enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(consumer, topic)]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        return sum(max(ends[tp] - starts[tp], 0) for tp in partitions)
    finally:
        await consumer.stop()


async def replay(settings: Settings, records: Iterable[DeadLetterRecord]) -> None:
    """Publish each record back to its original topic (acks=all), in order."""
    producer = AIOKafkaProducer(
        **_client_options(settings),
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
    )
    await producer.start()
    try:
        for record in records:
            target = record.original_topic
            if target is None:
                raise ValueError(f"{record.position} names no dlq_original_topic")
            await producer.send_and_wait(
                target, record.value, key=record.key, headers=record.replay_headers()
            )
    finally:
        await producer.stop()
