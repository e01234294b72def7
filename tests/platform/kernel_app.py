"""A tiny service built on the kernel alone, for testing the kernel itself.

``build_app`` gives it an HTTP face (the kernel's ``create_app``) with routes that read the
ledger, wait on a row lock and run a slow statement, for testing how the kernel answers when the
database is slow or gone.

Run as a process (``python -m tests.platform.kernel_app``) it consumes until killed; with
``KERNEL_CRASH_AFTER_COMMIT=<n>`` it dies right after committing the effect of the event with
that ``n``, before its offset is committed.
"""

import asyncio
import os
import signal
from typing import ClassVar
from uuid import UUID

from fastapi import FastAPI
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    select,
    text,
)
from sqlalchemy.exc import OperationalError

from services.bookings.config import BookingsSettings
from shared.context import correlation_id
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.logs import configure_logging
from shared.runtime import ServiceRuntime, service_metadata
from shared.web.app import create_app

TOPIC = "kernel.events.v1"
GROUP = "kernel-test"
CRASH_TOPIC = "kernel.crash.v1"
CRASH_GROUP = "kernel-crash"


class Counted(EventData):
    event_type: ClassVar[str] = "uk.alliance.kernel_test.counted.v1"
    topic: ClassVar[str] = TOPIC
    key_field: ClassVar[str] = "counter"

    counter: str
    n: int


class AlwaysFails(EventData):
    event_type: ClassVar[str] = "uk.alliance.kernel_test.always_fails.v1"
    topic: ClassVar[str] = TOPIC
    key_field: ClassVar[str] = "counter"

    counter: str


class CrashCounted(Counted):
    """Counted, on a topic only the crash-test consumer process reads."""

    event_type: ClassVar[str] = "uk.alliance.kernel_test.crash_counted.v1"
    topic: ClassVar[str] = CRASH_TOPIC


class FlakyDatabase(EventData):
    """Handled only after the database has "failed" ``outages`` times."""

    event_type: ClassVar[str] = "uk.alliance.kernel_test.flaky_database.v1"
    topic: ClassVar[str] = TOPIC
    key_field: ClassVar[str] = "counter"

    counter: str
    outages: int


def kernel_metadata() -> tuple[MetaData, Table]:
    metadata = service_metadata()
    ledger = Table(
        "ledger",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False),
        Column("counter", String(50), nullable=False),
        Column("n", Integer, nullable=False),
        Column("correlation_id", String(100), nullable=True),
    )
    return metadata, ledger


def build_runtime(
    settings: BookingsSettings,
    crash_after_n: int | None = None,
    *,
    topic: str = TOPIC,
    group: str = GROUP,
) -> ServiceRuntime:
    metadata, ledger = kernel_metadata()
    runtime = ServiceRuntime("bookings", settings, metadata)

    async def crash_if_told(event: CloudEvent) -> None:
        if crash_after_n is not None and event.data.get("n") == crash_after_n:
            os.kill(os.getpid(), signal.SIGKILL)

    consumer = runtime.consumer(group, after_commit=crash_if_told)

    @consumer.on(Counted, CrashCounted)
    async def count(session, event: CloudEvent, data: Counted) -> None:  # type: ignore[no-untyped-def]
        await session.execute(
            ledger.insert().values(
                event_id=event.id,
                counter=data.counter,
                n=data.n,
                correlation_id=correlation_id.get(),
            )
        )

    outages_seen: dict[str, int] = {}

    @consumer.on(FlakyDatabase)
    async def flaky(session, event: CloudEvent, data: FlakyDatabase) -> None:  # type: ignore[no-untyped-def]
        seen = outages_seen.get(data.counter, 0)
        if seen < data.outages:
            outages_seen[data.counter] = seen + 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database is down"))
        await session.execute(
            ledger.insert().values(event_id=event.id, counter=data.counter, n=data.outages)
        )

    @consumer.on(AlwaysFails)
    async def fail(session, event: CloudEvent, data: AlwaysFails) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError(f"cannot count {data.counter}")

    consumer.subscribe(topic)
    return runtime


def build_app(settings: BookingsSettings, *, topic: str = TOPIC, group: str = GROUP) -> FastAPI:
    runtime = build_runtime(settings, topic=topic, group=group)
    ledger = runtime.metadata.tables["ledger"]
    app = create_app(runtime, title="kernel")

    @app.get("/ledger/{counter}")
    async def count(counter: str) -> dict[str, object]:
        async with runtime.sessions() as session:
            events = await session.scalar(
                select(func.count()).select_from(ledger).where(ledger.c.counter == counter)
            )
        return {"counter": counter, "events": events}

    @app.post("/ledger/{counter}/lock")
    async def lock(counter: str) -> dict[str, object]:
        """Waits at most 100 ms for the counter's rows, as services do on their row locks."""
        async with runtime.transaction() as session:
            await session.execute(text("SET LOCAL lock_timeout = '100ms'"))
            rows = await session.scalars(
                select(ledger.c.id).where(ledger.c.counter == counter).with_for_update()
            )
            return {"counter": counter, "locked": len(rows.all())}

    @app.get("/slow/{seconds}")
    async def slow(seconds: float) -> dict[str, object]:
        async with runtime.sessions() as session:
            await session.execute(select(func.pg_sleep(seconds)))
        return {"slept": seconds}

    return app


async def ledger_rows(runtime: ServiceRuntime) -> list[tuple[UUID, str, int]]:
    ledger = runtime.metadata.tables["ledger"]
    async with runtime.sessions() as session:
        result = await session.execute(
            ledger.select()
            .with_only_columns(ledger.c.event_id, ledger.c.counter, ledger.c.n)
            .order_by(ledger.c.id)
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]


async def main() -> None:
    configure_logging("kernel-app", "INFO")
    crash = os.environ.get("KERNEL_CRASH_AFTER_COMMIT")
    runtime = build_runtime(
        BookingsSettings(), int(crash) if crash else None, topic=CRASH_TOPIC, group=CRASH_GROUP
    )
    await runtime.start()
    print("kernel-app: consuming", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runtime.stop()


if __name__ == "__main__":
    asyncio.run(main())
