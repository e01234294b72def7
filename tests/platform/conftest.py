from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from devstack import ensure_topics
from services.bookings.config import BookingsSettings
from shared.contracts.topics import dead_letter_topic
from shared.runtime import ServiceRuntime
from shared.storage import direct
from tests.platform.kernel_app import (
    CRASH_GROUP,
    CRASH_TOPIC,
    TOPIC,
    build_runtime,
    kernel_metadata,
)
from tests.support.stack import Stack


async def kernel_database(stack: Stack, name: str) -> str:
    """A migrated database of the kernel app's own (outbox, inbox and its ledger)."""
    url = await stack.migrated_database("bookings", name)
    metadata, _ = kernel_metadata()
    runtime = ServiceRuntime(
        "bookings", stack.settings(BookingsSettings, BOOKINGS_DATABASE_URL=url), metadata
    )
    async with runtime.engine.begin() as connection:
        await connection.run_sync(metadata.tables["ledger"].create)
    await runtime.engine.dispose()
    return url


@pytest.fixture(scope="session")
async def kernel_settings(stack: Stack) -> BookingsSettings:
    url = await kernel_database(stack, "kernel")
    await ensure_topics(
        stack.bootstrap, {TOPIC: 3, CRASH_TOPIC: 2, dead_letter_topic(CRASH_GROUP): 1}
    )
    return stack.settings(BookingsSettings, BOOKINGS_DATABASE_URL=url)


@pytest.fixture(scope="session")
async def kernel(kernel_settings: BookingsSettings) -> AsyncIterator[ServiceRuntime]:
    runtime = build_runtime(kernel_settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


@contextmanager
def statements_of(runtime: ServiceRuntime) -> Iterator[list[str]]:
    """The SQL statements ``runtime``'s engine sends meanwhile, through SQLAlchemy or straight
    on the driver (``shared.storage.direct``: the relay's passes), and its direct COMMITs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        with direct.observed(seen.append, runtime.engine):
            yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
