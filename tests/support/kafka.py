"""Read what is on a topic, from the beginning, as any outside consumer would."""

import asyncio
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

Record = ConsumerRecord


def header(record: Record, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return value.decode()
    return None


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[list[Record]], bool],
    match: Callable[[Record], bool] = lambda _: True,
    timeout: float = 30.0,
) -> list[Record]:
    """Every record on ``topic`` that ``match``es, once ``until`` holds for them."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: list[Record] = []
    try:
        partitions = consumer.partitions_for_topic(topic)
        while not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        await consumer.seek_to_beginning()
        async with asyncio.timeout(timeout):
            while not until(found):
                batch = await consumer.getmany(timeout_ms=200)
                for records in batch.values():
                    found.extend(r for r in records if match(r))
    except TimeoutError:
        raise AssertionError(
            f"{topic}: condition not met within {timeout}s; {len(found)} matching records"
        ) from None
    finally:
        await consumer.stop()
    return found
