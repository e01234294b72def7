"""Benchmark of the finance consumer's path per event: run by hand, prints figures, not a test.

    .venv/bin/python bench/finance_ledger.py --bookings 2000 --batch 10

Starts a PostgreSQL of its own (no broker: the batches are handed to the finance consumer's
``process`` as records, as FastStream would), migrates a finance database and feeds it, per
booking, the two events bookings publishes (``BookingRequested``, which finance reads and
drops, and ``BookingConfirmed``, which puts the place on the ledger) over a few schools, in
batches. Prints the SQL round trips per booking (statements, BEGIN and COMMIT, counted on the
engine: deterministic) and the CPU per booking of this process and of PostgreSQL.
"""

import argparse
import asyncio
import itertools
import secrets
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import psutil
from aiokafka import ConsumerRecord
from sqlalchemy import event, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cpu import postgres_cpu  # noqa: E402

from devstack import EmbeddedPostgres, free_port  # noqa: E402
from services.finance.app import build_app  # noqa: E402
from services.finance.config import FinanceSettings  # noqa: E402
from services.finance.tables import entries  # noqa: E402
from shared.contracts import bookings as b  # noqa: E402
from shared.contracts.common import Contact, SchoolRef  # noqa: E402
from shared.contracts.envelope import CloudEvent  # noqa: E402
from shared.storage.migrations import script_location, upgrade  # noqa: E402

COURSE = b.CourseInfo(
    course_id=uuid4(),
    alliance_id="bench-alliance",
    title="Leading Early Reading",
    sessions=[],
)


def booking_events(n: int, schools: int) -> list[b.BookingRequested | b.BookingConfirmed]:
    events: list[b.BookingRequested | b.BookingConfirmed] = []
    for i in range(n):
        urn = f"{900000 + i % schools:06d}"
        lead = Contact(name="Lead", email=f"lead@{urn}.bench.example.org")
        info = b.BookingInfo(
            booking_id=uuid4(),
            status="confirmed",
            school=SchoolRef(urn=urn, name=f"Bench School {urn}"),
            participant=Contact(name="Pat", email=f"p{i}@{urn}.bench.example.org"),
            booker=lead,
            cpd_lead=lead,
            price_pence=4500,
            price_band="member",
        )
        events.append(b.BookingRequested(course=COURSE, booking=info))
        events.append(b.BookingConfirmed(course=COURSE, booking=info))
    return events


def record(offset: int, data: b.BookingRequested | b.BookingConfirmed) -> ConsumerRecord:
    envelope = CloudEvent(
        type=data.event_type, source="/alliance/bookings", data=data.model_dump(mode="json")
    )
    headers = [(k, v.encode()) for k, v in envelope.kafka_headers().items()]
    value = envelope.kafka_value()
    return ConsumerRecord(
        data.topic, 0, offset, 0, 0, data.key().encode(), value, None, 0, len(value), headers
    )


async def main(bookings: int, batch: int, schools: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="finance-bench-"))
    pg = EmbeddedPostgres(root / "pgdata", free_port(), durable=False)
    await asyncio.to_thread(pg.start)
    try:
        url = pg.url("postgres").rsplit("/", 1)[0] + "/finance_bench"
        import asyncpg

        conn = await asyncpg.connect(pg.dsn("postgres"))
        await conn.execute("CREATE DATABASE finance_bench")
        await conn.close()
        await asyncio.to_thread(upgrade, script_location("finance"), url)
        settings = FinanceSettings(
            FINANCE_DATABASE_URL=url,
            KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
            JWT_SECRET=secrets.token_urlsafe(32),
            ALLIANCE_VAR_DIR=str(root),
        )
        app = build_app(settings)
        runtime = app.state.finance.runtime
        consumer = runtime.consumers[0]

        counts = {"statements": 0, "begin": 0, "commit": 0}

        def on_statement(*_: object) -> None:
            counts["statements"] += 1

        def on_begin(*_: object) -> None:
            counts["begin"] += 1

        def on_commit(*_: object) -> None:
            counts["commit"] += 1

        engine = runtime.engine.sync_engine
        offsets = itertools.count()

        def records_of(n: int) -> list[ConsumerRecord]:
            return [record(next(offsets), e) for e in booking_events(n, schools)]

        async def feed(records: list[ConsumerRecord]) -> None:
            for i in range(0, len(records), batch):
                await consumer.process(records[i : i + batch])

        await feed(records_of(max(50, batch * 5)))  # warm: caches, pool, the schools known
        measured = records_of(bookings)
        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "begin", on_begin)
        event.listen(engine, "commit", on_commit)
        pg_before = postgres_cpu(pg.data_dir)
        cpu_before = time.process_time()
        await feed(measured)
        cpu = time.process_time() - cpu_before
        pg_cpu = postgres_cpu(pg.data_dir) - pg_before
        async with runtime.sessions() as session:
            placed = await session.scalar(select(func.count()).select_from(entries))
        await runtime.engine.dispose()
        trips = counts["statements"] + counts["begin"] + counts["commit"]
        print(f"{bookings} bookings ({2 * bookings} events), batches of {batch} events")
        print(f"  ledger entries in all: {placed}")
        print(
            f"  per booking: {counts['statements'] / bookings:.2f} statements, "
            f"{counts['begin'] / bookings:.2f} BEGIN, {counts['commit'] / bookings:.2f} COMMIT"
            f" = {trips / bookings:.2f} round trips"
        )
        print(f"  CPU per booking: finance process {1000 * cpu / bookings:.3f} ms")
        print(f"                   PostgreSQL       {1000 * pg_cpu / bookings:.3f} ms")
        print(f"  load average {psutil.getloadavg()[0]:.1f}")
    finally:
        await asyncio.to_thread(pg.stop)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=10, help="events per consumer batch")
    parser.add_argument("--schools", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.bookings, args.batch, args.schools))
