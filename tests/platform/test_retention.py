"""Retention: published outbox rows and old inbox entries are pruned in bounded batches; pending
rows and recent entries stay; a service's own prune steps run with the kernel's."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services.bookings.config import BookingsSettings
from shared.clock import MovableClock
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.platform.conftest import kernel_database
from tests.platform.kernel_app import Counted, kernel_metadata
from tests.support.stack import Stack
from tests.support.wait import eventually

DAY = timedelta(days=1)


@pytest.fixture
async def store(stack: Stack) -> AsyncIterator[tuple[ServiceRuntime, MovableClock]]:
    url = await kernel_database(stack, f"retention_{uuid.uuid4().hex[:8]}")
    clock = MovableClock()
    metadata, _ = kernel_metadata()
    runtime = ServiceRuntime(
        "bookings",
        stack.settings(BookingsSettings, BOOKINGS_DATABASE_URL=url),
        metadata,
        clock=clock,
    )
    runtime.pruner.batch_size = 3
    try:
        yield runtime, clock
    finally:
        await runtime.pruner.stop()
        await runtime.engine.dispose()


async def outbox_rows(runtime: ServiceRuntime, published_days_ago: list[float | None]) -> None:
    """One row per entry: published that many days ago, or pending (None) and created long ago."""
    t = runtime.outbox_table
    now = runtime.clock.now()
    for days in published_days_ago:
        async with runtime.sessions() as session, session.begin():
            event = await runtime.outbox.add(session, Counted(counter="retention", n=0))
            published = None if days is None else now - days * DAY
            await session.execute(
                update(t)
                .where(t.c.event_id == event.id)
                .values(published_at=published, created_at=now - 60 * DAY)
            )


async def inbox_rows(runtime: ServiceRuntime, days_ago: list[float]) -> None:
    t = runtime.inbox_table
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        for days in days_ago:
            await session.execute(
                t.insert().values(
                    consumer_group="g",
                    event_id=uuid.uuid4(),
                    event_type="t",
                    processed_at=now - days * DAY,
                )
            )


async def ages(runtime: ServiceRuntime) -> tuple[list[float | None], list[float]]:
    """Published ages of the outbox rows (None while pending) and ages of inbox entries."""
    now = runtime.clock.now()
    o, i = runtime.outbox_table, runtime.inbox_table
    async with runtime.sessions() as session:
        published = (await session.scalars(select(o.c.published_at).order_by(o.c.id))).all()
        processed = (await session.scalars(select(i.c.processed_at))).all()
    return (
        [None if p is None else round((now - p) / DAY) for p in published],
        sorted(round((now - p) / DAY) for p in processed),
    )


async def test_the_pruner_deletes_what_has_expired_in_bounded_batches(
    store: tuple[ServiceRuntime, MovableClock],
) -> None:
    runtime, clock = store
    assert runtime.settings.outbox_retention_days == 7
    assert runtime.settings.inbox_retention_days == 30
    await outbox_rows(runtime, [30, 20, 10, 8, 8, None, 6, 1, None])
    await inbox_rows(runtime, [90, 60, 45, 40, 31, 29, 2])

    passes = 0
    while await runtime.pruner.step():
        passes += 1
    assert passes >= 1, "five expired entries, batches of three: more than one pass"
    assert await ages(runtime) == ([None, 6, 1, None], [2, 29])

    clock.advance(2 * DAY)
    while await runtime.pruner.step():
        pass
    assert await ages(runtime) == ([None, 3, None], [4])


async def test_every_runtime_runs_the_pruner_with_the_steps_a_service_adds(
    store: tuple[ServiceRuntime, MovableClock],
) -> None:
    runtime, _ = store
    await outbox_rows(runtime, [8, 8, 8, 8, 1])
    extra: list[str] = []

    async def prune_old_bodies() -> bool:
        extra.append("ran")
        return False

    runtime.add_pruner(prune_old_bodies)
    await runtime.start()
    try:
        await eventually(lambda: ages(runtime), lambda found: found[0] == [1])
    finally:
        await runtime.stop()
    assert extra, "the service's own step ran"


def test_retention_defaults() -> None:
    fields = Settings.model_fields
    assert fields["outbox_retention_days"].default == 7
    assert fields["inbox_retention_days"].default == 30
