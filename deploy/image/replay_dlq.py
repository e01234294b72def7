"""List or replay dead letters of a consumer group (default: notifications.dlq.v1).

    python /opt/alliance/replay_dlq.py                   # list: offset, key, dlq_* headers
    python /opt/alliance/replay_dlq.py --replay 12 13    # republish offsets 12 and 13

A replay publishes the record's body and original headers (the ``dlq_*`` headers removed, a
``dlq_replayed_from`` header added) with the same key to ``dlq_original_topic``. The consumer's
inbox makes this safe: an event that was in fact applied is skipped, one that was not is applied.
Uses KAFKA_BOOTSTRAP_SERVERS and KAFKA_ENABLE_IDEMPOTENCE like the services. Fix the cause
first: a replayed message that fails again comes back to the dead-letter topic.
"""

import argparse
import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.settings import get_settings


async def main(topic: str, replay: set[int]) -> None:
    settings = get_settings()
    servers = settings.bootstrap_servers()
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False, group_id=None)
    await consumer.start()
    producer = None
    try:
        await consumer.topics()  # fetch metadata
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            raise SystemExit(f"no such topic: {topic}")
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        if replay:
            producer = AIOKafkaProducer(
                bootstrap_servers=servers,
                acks="all",
                enable_idempotence=settings.kafka_enable_idempotence,
            )
            await producer.start()
        remaining = {tp for tp in partitions if end[tp] > 0}
        while remaining:
            batch = await consumer.getmany(timeout_ms=2000)
            if not batch:
                break
            for tp, records in batch.items():
                for record in records:
                    headers = {k: v.decode(errors="replace") for k, v in record.headers}
                    dlq = {k: v for k, v in headers.items() if k.startswith("dlq_")}
                    if not replay:
                        print(f"{tp.partition}:{record.offset} key={record.key!r} {dlq}")
                    elif record.offset in replay:
                        target = dlq["dlq_original_topic"]
                        out = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
                        out.append(("dlq_replayed_from", f"{topic}:{record.offset}".encode()))
                        await producer.send_and_wait(
                            target, record.value, key=record.key, headers=out
                        )
                        print(f"replayed {tp.partition}:{record.offset} to {target}")
                    if record.offset + 1 >= end[tp]:
                        remaining.discard(tp)
    finally:
        await consumer.stop()
        if producer is not None:
            await producer.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topic", default="notifications.dlq.v1")
    parser.add_argument("--replay", nargs="*", type=int, default=[], metavar="OFFSET")
    args = parser.parse_args()
    asyncio.run(main(args.topic, set(args.replay)))
