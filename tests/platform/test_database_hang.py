"""A database that hangs (SIGSTOP) rather than refuses: bounded waits, 503 with Retry-After.

The hang is of a PostgreSQL of this module's own, so no other test waits on it.
"""

import asyncio
import contextlib
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import psutil
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import create_async_engine

from devstack import EmbeddedPostgres, ensure_topics, free_port
from services.bookings.config import BookingsSettings
from shared.contracts.envelope import CloudEvent
from shared.contracts.topics import dead_letter_topic
from shared.settings import Settings
from shared.storage.migrations import script_location, upgrade
from tests.platform.kernel_app import Counted, build_app, kernel_metadata
from tests.support.stack import Stack
from tests.support.wait import eventually

TOPIC = "kernel.hang.v1"
GROUP = "kernel-hang"
TIMEOUTS = {
    "DATABASE_CONNECT_TIMEOUT_S": 1,
    "DATABASE_POOL_TIMEOUT_S": 1,
    "DATABASE_STATEMENT_TIMEOUT_S": 1,
    "DATABASE_POOL_SIZE": 2,
}
BOUND_S = 10.0
"""Longest a request may take to be answered while the database hangs: with the timeouts above,
a pre-ping (statement timeout + grace), a fresh connection and a pool wait come to about 5 s."""


@pytest.fixture(scope="module")
async def postgres(stack: Stack) -> AsyncIterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(stack.root / f"hang-pg-{secrets.token_hex(3)}", free_port())
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        wake(server_processes(server))
        await asyncio.to_thread(server.stop)


def server_processes(server: EmbeddedPostgres) -> list[psutil.Process]:
    """The postmaster and every backend: each backend runs in a session of its own, so a signal
    to the postmaster's process group would leave the connections already open answering."""
    assert server.pid is not None
    wrapper = psutil.Process(server.pid)
    return [wrapper, *wrapper.children(recursive=True)]


def hang(server: EmbeddedPostgres) -> list[psutil.Process]:
    frozen = server_processes(server)
    for process in frozen:
        process.suspend()
    return frozen


def wake(frozen: list[psutil.Process]) -> None:
    for process in frozen:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.resume()


async def kernel_database_on(server: EmbeddedPostgres) -> str:
    conn = await asyncpg.connect(server.dsn("postgres"))
    try:
        await conn.execute("CREATE DATABASE kernel")
    finally:
        await conn.close()
    url = server.url("kernel")
    await asyncio.to_thread(upgrade, script_location("bookings"), url)
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(kernel_metadata()[0].tables["ledger"].create)
    await engine.dispose()
    return url


@pytest.fixture(scope="module")
async def hang_settings(stack: Stack, postgres: EmbeddedPostgres) -> BookingsSettings:
    url = await kernel_database_on(postgres)
    await ensure_topics(stack.bootstrap, {TOPIC: 1, dead_letter_topic(GROUP): 1})
    return stack.settings(BookingsSettings, BOOKINGS_DATABASE_URL=url, **TIMEOUTS)


async def timed_get(client: httpx.AsyncClient, path: str) -> tuple[int, str | None, float]:
    started = time.monotonic()
    response = await client.get(path)
    return response.status_code, response.headers.get("retry-after"), time.monotonic() - started


async def send_counted(stack: Stack, counter: str, n: int) -> None:
    event = CloudEvent(type=Counted.event_type, source="/test", data={"counter": counter, "n": n})
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            TOPIC,
            event.kafka_value(),
            key=counter.encode(),
            headers=[(k, v.encode()) for k, v in event.kafka_headers().items()],
        )
    finally:
        await producer.stop()


async def test_a_hung_database_is_a_503_with_retry_after_in_bounded_time_and_it_recovers(
    stack: Stack,
    postgres: EmbeddedPostgres,
    hang_settings: BookingsSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    counter = f"hang-{uuid.uuid4()}"
    app = build_app(hang_settings, topic=TOPIC, group=GROUP)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    waits = 0
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as client,
    ):
        assert (await client.get(f"/ledger/{counter}")).status_code == 200
        with caplog.at_level(logging.WARNING, logger="shared.messaging.consumer"):
            frozen = hang(postgres)
            try:
                await send_counted(stack, counter, 1)
                # More at once than the pool holds (2), then more behind them.
                first = await asyncio.gather(
                    *(timed_get(client, f"/ledger/{counter}") for _ in range(8))
                )
                second = [await timed_get(client, f"/ledger/{counter}") for _ in range(3)]

                # The consumer meets the hang more often than it would retry a failing handler.
                async def consumer_waits() -> int:
                    return sum(
                        r.name == "shared.messaging.consumer"
                        and "database unreachable" in r.getMessage()
                        for r in caplog.records
                    )

                waits = await eventually(
                    consumer_waits,
                    lambda n: n > hang_settings.consumer_max_attempts,
                    timeout=60,
                )
            finally:
                wake(frozen)

        answers = first + second
        assert {status for status, _, _ in answers} == {503}, answers
        assert all(retry == "5" for _, retry, _ in answers), answers
        slowest = max(elapsed for _, _, elapsed in answers)
        assert slowest < BOUND_S, answers

        recovered = await eventually(
            lambda: client.get(f"/ledger/{counter}"),
            lambda r: r.status_code == 200 and r.json()["events"] == 1,
            timeout=30,
        )
    # Applied (a dead letter never reaches the ledger), though it met the hang ``waits`` times.
    assert recovered.json() == {"counter": counter, "events": 1}
    assert waits > hang_settings.consumer_max_attempts


async def test_a_statement_over_its_timeout_and_a_lock_not_granted_are_503s(
    hang_settings: BookingsSettings,
) -> None:
    app = build_app(hang_settings, topic=TOPIC, group=GROUP)
    runtime = app.state.runtime
    ledger = runtime.metadata.tables["ledger"]
    counter = f"lock-{uuid.uuid4()}"
    async with runtime.transaction() as session:
        await session.execute(ledger.insert().values(event_id=uuid.uuid4(), counter=counter, n=1))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            slow = await client.get("/slow/3")
            async with runtime.sessions() as holder, holder.begin():
                await holder.execute(
                    ledger.select().where(ledger.c.counter == counter).with_for_update()
                )
                locked = await client.post(f"/ledger/{counter}/lock")
            free = await client.post(f"/ledger/{counter}/lock")
    finally:
        await runtime.engine.dispose()
    assert (slow.status_code, slow.headers.get("retry-after")) == (503, "5"), slow.text
    assert (locked.status_code, locked.headers.get("retry-after")) == (503, "5"), locked.text
    assert free.json() == {"counter": counter, "locked": 1}


def test_every_database_wait_has_a_default_bound() -> None:
    fields = Settings.model_fields
    assert fields["database_connect_timeout_s"].default == 5
    assert fields["database_pool_timeout_s"].default == 5
    assert fields["database_statement_timeout_s"].default == 15
