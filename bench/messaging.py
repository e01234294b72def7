"""The messaging kernel's cost (issue "Speed"): run by hand, prints figures, not a test.

    .venv/bin/python bench/messaging.py [--commits 600] [--rate 150] [--events 2000]

Starts PostgreSQL and the broker (the test suite's stack, on free ports) and a kernel service
(``tests.platform.kernel_app``: outbox, relay, one consumer), then:

1. relay under load: ``--commits`` transactions of two outbox rows each (as a booking writes),
   at ``--rate`` per second, each waking the relay as ``ServiceRuntime.transaction`` does:
   relay passes, rows per pass, SQL round trips per pass and per row (BEGIN and COMMIT
   counted), broker produce requests;
2. relay CPU per pass: the same rows written first, then drained two rows a pass (one commit's
   worth) by ``publish_batch``: CPU of this process and of PostgreSQL per pass;
3. consumer: ``--events`` events on the topic, half of a type the consumer handles and half
   of a known type it does not (as brokerage sees the bookings events), consumed from the
   start: batches, round trips per batch, CPU of this process per event.

Round trips are counted in SQLAlchemy's asyncpg adapter (a statement, BEGIN, COMMIT, ROLLBACK),
by the asyncio task that makes them. Run from the tree to measure (its ``shared`` is imported).
"""

import argparse
import asyncio
import inspect
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import ClassVar

from pydantic import EmailStr

ROOT = Path.cwd()
sys.path[:0] = [str(ROOT)]

from cpu import own_cpu, postgres_cpu  # noqa: E402
from sqlalchemy.dialects.postgresql import asyncpg as sa_asyncpg  # noqa: E402

from devstack import ensure_topics  # noqa: E402
from services.bookings.config import BookingsSettings  # noqa: E402
from shared.contracts.base import EventData  # noqa: E402
from shared.contracts.envelope import CloudEvent  # noqa: E402
from shared.messaging.relay import OutboxRelay  # noqa: E402
from shared.runtime import ServiceRuntime  # noqa: E402
from tests.platform.conftest import kernel_database  # noqa: E402
from tests.platform.kernel_app import TOPIC as KERNEL_TOPIC  # noqa: E402
from tests.platform.kernel_app import Counted, build_runtime, kernel_metadata  # noqa: E402
from tests.support.stack import start_stack, stop_stack  # noqa: E402

TOPIC = "kernel.bench.v1"
GROUP = "kernel-bench"
trips: Counter[str] = Counter()


def _task_kind() -> str:
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return "other"
    name = task.get_name() if task else ""
    return "relay" if name.startswith("outbox-relay") else "other"


def count_round_trips() -> None:
    """Count what SQLAlchemy's asyncpg adapter sends, by the task that sends it."""
    connection = sa_asyncpg.AsyncAdapt_asyncpg_connection
    cursor = sa_asyncpg.AsyncAdapt_asyncpg_cursor

    start = connection._start_transaction

    async def _start_transaction(self):  # type: ignore[no-untyped-def]
        if self.isolation_level != "autocommit":
            trips[_task_kind()] += 1
        return await start(self)

    call_and_discard = connection._call_and_discard

    async def _call_and_discard(self, fn):  # type: ignore[no-untyped-def]
        trips[_task_kind()] += 1
        return await call_and_discard(self, fn)

    prepare_and_execute = cursor._prepare_and_execute

    async def _prepare_and_execute(self, operation, parameters):  # type: ignore[no-untyped-def]
        trips[_task_kind()] += 1
        trips[f"{_task_kind()}:statements"] += 1
        return await prepare_and_execute(self, operation, parameters)

    executemany = cursor._executemany

    async def _executemany(self, operation, seq):  # type: ignore[no-untyped-def]
        trips[_task_kind()] += 1
        trips[f"{_task_kind()}:statements"] += 1
        return await executemany(self, operation, seq)

    connection._start_transaction = _start_transaction
    connection._call_and_discard = _call_and_discard
    cursor._prepare_and_execute = _prepare_and_execute
    cursor._executemany = _executemany


def relay_of(runtime, **kwargs):  # type: ignore[no-untyped-def]
    """The runtime's relay, with ``kwargs`` this tree's relay knows (the base may not)."""
    known = inspect.signature(OutboxRelay.__init__).parameters
    return OutboxRelay(
        runtime.sessions,
        runtime.broker,
        runtime.outbox_table,
        "bench",
        **{k: v for k, v in kwargs.items() if k in known},
    )


async def relay_under_load(runtime, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    relay = runtime.relay
    passes: list[int] = []
    publish_batch = relay.publish_batch

    async def counted_pass() -> int:
        published = await publish_batch()
        passes.append(published)
        return published

    relay.publish_batch = counted_pass
    producer = runtime.broker.config.producer._producer.producer
    produce_requests = 0
    send = producer.client.send

    async def counted_send(node_id, request, *a, **k):  # type: ignore[no-untyped-def]
        nonlocal produce_requests
        if type(request).__name__.startswith("ProduceRequest"):
            produce_requests += 1
        return await send(node_id, request, *a, **k)

    producer.client.send = counted_send
    counter = f"load-{uuid.uuid4()}"
    trips.clear()
    started = time.perf_counter()

    async def one(n: int) -> None:
        await asyncio.sleep(max(0.0, started + n / args.rate - time.perf_counter()))
        async with runtime.transaction() as session:
            await runtime.outbox.add_all(
                session, [Counted(counter=counter, n=2 * n), Counted(counter=counter, n=2 * n + 1)]
            )

    await asyncio.gather(*(one(n) for n in range(args.commits)))
    while await relay.pending_count():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    wall = time.perf_counter() - started
    rows = sum(passes)
    effective = [p for p in passes if p]
    print(
        f"\n1. relay under load: {args.commits} commits of 2 rows at {args.rate}/s "
        f"({args.commits / wall:.0f}/s achieved); {len(passes)} passes, "
        f"{len(effective)} with rows; "
        f"rows per pass with rows {rows / max(len(effective), 1):.2f} "
        f"(max {max(passes, default=0)}); relay round trips {trips['relay']} = "
        f"{trips['relay'] / max(len(passes), 1):.2f} per pass, {trips['relay'] / rows:.2f} per row "
        f"({trips['relay:statements']} statements); produce requests {produce_requests} = "
        f"{rows / max(produce_requests, 1):.2f} rows each"
    )
    relay.publish_batch = publish_batch
    producer.client.send = send


async def relay_cpu(runtime, args: argparse.Namespace, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    await runtime.relay.stop()
    relay = relay_of(runtime, batch_size=2)
    rounds = []
    for _ in range(3):
        counter = f"drain-{uuid.uuid4()}"
        for n in range(args.commits // 3):
            async with runtime.sessions() as session, session.begin():
                pair = [Counted(counter=counter, n=2 * n), Counted(counter=counter, n=2 * n + 1)]
                await runtime.outbox.add_all(session, pair)
        trips.clear()
        cpu, pg = own_cpu(), postgres_cpu(data_dir)
        passes = 0
        while await relay.publish_batch():
            passes += 1
        cpu, pg = own_cpu() - cpu, postgres_cpu(data_dir) - pg
        rounds.append((cpu * 1e6 / passes, pg * 1e6 / passes, trips["other"] / passes))
    trips.clear()
    for _ in range(50):
        await relay._step()  # nothing pending, not woken: the relay's look on its interval
    idle = trips["other"] / 50
    print(
        f"\n2. relay CPU, passes of 2 rows, three rounds of {args.commits // 3}: this process "
        + ", ".join(f"{c:.0f}" for c, _, _ in rounds)
        + " µs per pass; PostgreSQL "
        + ", ".join(f"{p:.0f}" for _, p, _ in rounds)
        + f" µs per pass; {rounds[-1][2]:.2f} round trips per pass; "
        f"an idle look (nothing pending): {idle:.2f} round trips"
    )
    runtime.relay.start()


class Ignored(EventData):
    """A known type the bench's consumer does not handle, shaped like a booking event."""

    event_type: ClassVar[str] = "uk.alliance.kernel_bench.ignored.v1"
    topic: ClassVar[str] = TOPIC
    key_field: ClassVar[str] = "booking_id"

    booking_id: uuid.UUID
    course_title: str
    participant_name: str
    participant_email: EmailStr
    booker_email: EmailStr
    school_urn: str
    places: int


async def consumer_cpu(stack, settings, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    from aiokafka import AIOKafkaProducer

    outbox = build_runtime(settings).outbox
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", linger_ms=5)
    await producer.start()
    counter = f"consume-{uuid.uuid4()}"
    try:
        for n in range(args.events):
            if n % 2:
                data: EventData = Ignored(
                    booking_id=uuid.uuid4(),
                    course_title="Phonics for Year 1",
                    participant_name="Ada Lovelace",
                    participant_email="ada@school.example.org",
                    booker_email="office@school.example.org",
                    school_urn="100001",
                    places=1,
                )
            else:
                data = Counted(counter=counter, n=n)
            event = outbox.envelope(data)
            headers = [(k, v.encode()) for k, v in event.kafka_headers().items()]
            await producer.send(TOPIC, event.kafka_value(), key=counter.encode(), headers=headers)
        await producer.flush()
    finally:
        await producer.stop()

    figures = []
    for _ in range(3):
        consumer_runtime = build_runtime(settings, topic=TOPIC, group=f"{GROUP}-{uuid.uuid4()}")
        figures.append(await consume_all(consumer_runtime, args.events))
    batches, trips_per_batch, statements = figures[-1][1:]
    print(
        f"\n3. consumer: {args.events} events (half handled) in {batches} batches "
        f"(mean {args.events / batches:.1f}); {trips_per_batch:.2f} round trips per batch "
        f"({statements} statements); CPU of this process, first batch to last, "
        + ", ".join(f"{f[0]:.0f}" for f in figures)
        + " µs per event"
    )


async def consume_all(runtime, events: int) -> tuple[float, int, float, int]:  # type: ignore[no-untyped-def]
    consumer = runtime.consumers[0]
    batches: list[int] = []
    process = consumer.process
    first_cpu: list[float] = []

    async def counted(records):  # type: ignore[no-untyped-def]
        if not first_cpu:
            trips.clear()
            first_cpu.append(own_cpu())
        batches.append(len(records))
        await process(records)

    consumer.process = counted  # type: ignore[method-assign]
    await runtime.start()
    try:
        while sum(batches) < events:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        cpu = own_cpu() - first_cpu[0]
    finally:
        await runtime.stop()
    return (
        cpu * 1e6 / events,
        len(batches),
        trips["other"] / len(batches),
        trips["other:statements"],
    )


async def pass_over_cost(args: argparse.Namespace) -> None:
    """In process, no broker or database: a batch of events of a type the consumer does not
    handle (brokerage and the bookings events), CPU per event, smallest of five."""
    from aiokafka import ConsumerRecord

    from shared.messaging.consumer import EventConsumer

    consumer = EventConsumer(None, None, None, "bench")  # type: ignore[arg-type]
    consumer.on(Counted)(lambda *_: None)  # type: ignore[arg-type,return-value]
    records = []
    for offset in range(100):
        event = Ignored(
            booking_id=uuid.uuid4(),
            course_title="Phonics for Year 1",
            participant_name="Ada Lovelace",
            participant_email=f"ada{offset}@school.example.org",
            booker_email="office@school.example.org",
            school_urn="100001",
            places=1,
        )
        envelope = CloudEvent(
            type=event.event_type, source="/b", data=event.model_dump(mode="json")
        )
        headers = [(k, v.encode()) for k, v in envelope.kafka_headers().items()]
        value = envelope.kafka_value()
        records.append(ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", value, None, 1, 1, headers))
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(20):
            await consumer.process(records)
        best = min(best, (time.process_time() - started) / 2000)
    print(f"\n4. an event of a type the consumer does not handle: {best * 1e6:.1f} µs CPU")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=600)
    parser.add_argument("--rate", type=float, default=150.0)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--linger-ms", type=float, default=None, help="OUTBOX_LINGER_S in ms")
    parser.add_argument("--parts", default="1,2,3", help="which to run (4: alone, in process)")
    args = parser.parse_args()
    print(f"messaging bench from {ROOT}; load average now {os.getloadavg()[0]:.2f}")
    count_round_trips()
    if args.parts == "4":
        await pass_over_cost(args)
        return
    root = Path(tempfile.mkdtemp(prefix="msgbench-"))
    stack = await start_stack(root)
    try:
        url = await kernel_database(stack, "bench")
        await ensure_topics(stack.bootstrap, {TOPIC: 1, KERNEL_TOPIC: 3})
        settings = stack.settings(
            BookingsSettings, BOOKINGS_DATABASE_URL=url, OUTBOX_POLL_INTERVAL_S=0.5
        )
        if args.linger_ms is not None:
            settings = settings.model_copy(update={"relay_linger_s": args.linger_ms / 1000})
        runtime = ServiceRuntime("bookings", settings, kernel_metadata()[0])  # no consumer
        await runtime.start()
        try:
            if "1" in args.parts:
                await relay_under_load(runtime, args)
            if "2" in args.parts:
                await relay_cpu(runtime, args, root / "pgdata")
        finally:
            await runtime.stop()
        if "3" in args.parts:
            await consumer_cpu(stack, settings, args)
    finally:
        await stop_stack(stack)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
