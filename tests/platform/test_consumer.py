"""Idempotent consumption: one effect per event, whatever is redelivered or wherever it crashes."""

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path

import anyio.to_thread
import pytest
from aiokafka import AIOKafkaProducer

from devstack import ChildProcess
from shared.contracts.topics import dead_letter_topic
from shared.runtime import ServiceRuntime
from shared.settings import Settings, settings_env
from tests.platform.kernel_app import (
    GROUP,
    TOPIC,
    AlwaysFails,
    Counted,
    CrashCounted,
    FlakyDatabase,
    ledger_rows,
)
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack
from tests.support.wait import eventually

DLQ = dead_letter_topic(GROUP)


async def effects_of(kernel: ServiceRuntime, counter: str) -> list[int]:
    return [n for _, c, n in await ledger_rows(kernel) if c == counter]


async def send_raw(stack: Stack, key: str, headers: dict[str, str], value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            TOPIC,
            value,
            key=key.encode(),
            headers=[(k, v.encode()) for k, v in headers.items()],
        )
    finally:
        await producer.stop()


async def test_the_same_event_delivered_twice_has_one_effect(
    stack: Stack, kernel: ServiceRuntime
) -> None:
    counter = f"d-{uuid.uuid4()}"
    event = kernel.outbox.envelope(Counted(counter=counter, n=1))
    for _ in range(2):
        await send_raw(stack, counter, event.kafka_headers(), event.kafka_value())
    follower = kernel.outbox.envelope(Counted(counter=counter, n=2))
    await send_raw(stack, counter, follower.kafka_headers(), follower.kafka_value())

    await eventually(lambda: effects_of(kernel, counter), lambda ns: 2 in ns)
    assert await effects_of(kernel, counter) == [1, 2]


async def test_a_message_that_always_fails_is_dead_lettered_and_the_next_is_processed(
    stack: Stack, kernel: ServiceRuntime
) -> None:
    counter = f"f-{uuid.uuid4()}"
    async with kernel.transaction() as session:
        failing = await kernel.outbox.add(session, AlwaysFails(counter=counter))
        await kernel.outbox.add(session, Counted(counter=counter, n=1))

    await eventually(lambda: effects_of(kernel, counter), lambda ns: ns == [1])
    [dead] = await read_topic(
        stack.bootstrap, DLQ, match=lambda r: header(r, "ce_id") == str(failing.id), until=bool
    )
    assert header(dead, "dlq_reason") == f"RuntimeError: cannot count {counter}"
    assert header(dead, "dlq_attempts") == str(kernel.settings.consumer_max_attempts)
    assert header(dead, "dlq_original_topic") == TOPIC
    assert json.loads(dead.value) == {"counter": counter}


async def test_a_database_outage_is_waited_out_not_dead_lettered(kernel: ServiceRuntime) -> None:
    counter = f"o-{uuid.uuid4()}"
    outages = kernel.settings.consumer_max_attempts + 1
    async with kernel.transaction() as session:
        await kernel.outbox.add(session, FlakyDatabase(counter=counter, outages=outages))
        await kernel.outbox.add(session, Counted(counter=counter, n=1))

    # Applied (a dead letter never reaches the ledger), and only then the next one, in order.
    await eventually(lambda: effects_of(kernel, counter), lambda ns: ns == [outages, 1])


async def test_unknown_types_and_bad_data_are_dead_lettered_with_the_reason(
    stack: Stack, kernel: ServiceRuntime
) -> None:
    counter = f"u-{uuid.uuid4()}"
    unknown = kernel.outbox.envelope(Counted(counter=counter, n=1))
    unknown_headers = {**unknown.kafka_headers(), "ce_type": "uk.alliance.nobody.knows.v1"}
    await send_raw(stack, counter, unknown_headers, unknown.kafka_value())
    bad = kernel.outbox.envelope(Counted(counter=counter, n=2))
    await send_raw(stack, counter, bad.kafka_headers(), b'{"counter": "x", "n": "two"}')
    await send_raw(stack, counter, {"content-type": "application/json"}, b"{}")
    good = kernel.outbox.envelope(Counted(counter=counter, n=3))
    await send_raw(stack, counter, good.kafka_headers(), good.kafka_value())

    await eventually(lambda: effects_of(kernel, counter), lambda ns: ns == [3])
    dead = await read_topic(
        stack.bootstrap,
        DLQ,
        match=lambda r: r.key == counter.encode(),
        until=lambda found: len(found) >= 3,
    )
    reasons = [header(r, "dlq_reason") or "" for r in dead]
    assert "unknown event type uk.alliance.nobody.knows.v1" in reasons[0]
    assert "invalid data for uk.alliance.kernel_test.counted.v1: n:" in reasons[1]
    assert "not a CloudEvent: missing headers ce_id" in reasons[2]
    assert all(header(r, "dlq_attempts") == "1" for r in dead)


def consumer_process(settings: Settings, log: Path, crash_after_n: int | None) -> ChildProcess:
    env = {**os.environ, **settings_env(settings)}
    if crash_after_n is not None:
        env["KERNEL_CRASH_AFTER_COMMIT"] = str(crash_after_n)
    return ChildProcess(
        "kernel-app", [sys.executable, "-m", "tests.platform.kernel_app"], log, env=env
    )


async def test_a_consumer_killed_between_its_commit_and_its_offset_commit_has_no_second_effect(
    stack: Stack, kernel: ServiceRuntime, kernel_settings: Settings, tmp_path: Path
) -> None:
    counter = f"k-{uuid.uuid4()}"
    crashing = consumer_process(kernel_settings, tmp_path / "first.log", crash_after_n=2)
    crashing.start()
    try:
        async with kernel.transaction() as session:
            for n in range(1, 4):
                await kernel.outbox.add(session, CrashCounted(counter=counter, n=n))
        await asyncio.to_thread(crashing.wait, 60)
        before_restart = await effects_of(kernel, counter)
        assert before_restart[:2] == [1, 2], "it died after committing the effect of event 2"

        restarted = consumer_process(kernel_settings, tmp_path / "second.log", crash_after_n=None)
        restarted.start()
        try:
            async with kernel.transaction() as session:
                await kernel.outbox.add(session, CrashCounted(counter=counter, n=4))
            # 4 is behind the redelivered ones on the same partition: once it is in, they were
            # handled.
            await eventually(lambda: effects_of(kernel, counter), lambda ns: 4 in ns, timeout=60)
        finally:
            restarted.stop()
    finally:
        crashing.stop()
    assert await effects_of(kernel, counter) == [1, 2, 3, 4]
    redelivered = [
        json.loads(line)
        for line in (tmp_path / "second.log").read_text().splitlines()
        if "duplicate event ignored" in line
    ]
    assert len(redelivered) >= 1, "events whose offsets were never committed come again"


async def test_a_batch_reaches_the_handler_without_a_worker_thread(
    stack: Stack, kernel: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastStream's dependency injection resolved the message on a worker thread per batch."""
    threads: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func, *args, **kw):  # type: ignore[no-untyped-def]
        threads.append(func)
        return await run_sync(func, *args, **kw)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    counter = f"t-{uuid.uuid4()}"
    event = kernel.outbox.envelope(Counted(counter=counter, n=1))
    await send_raw(stack, counter, event.kafka_headers(), event.kafka_value())

    await eventually(lambda: effects_of(kernel, counter), lambda ns: ns == [1])
    assert threads == []
