"""The kernel's worker loop: wake, run while there is more, back off on failure, stop cleanly."""

import asyncio
import logging

import pytest

from shared.workers import Worker
from tests.support.wait import eventually


async def test_a_wake_runs_the_step_at_once_and_it_goes_on_while_there_is_more() -> None:
    queue = [1, 2, 3]
    done: list[int] = []

    async def step() -> bool:
        if queue:
            done.append(queue.pop(0))
        return bool(queue)

    worker = Worker("drain", step, interval_s=3600)
    worker.start()
    try:
        await eventually(lambda: _value(done), lambda d: d == [1, 2, 3], timeout=2)
        queue.extend([4, 5])
        worker.wake()
        await eventually(lambda: _value(done), lambda d: d == [1, 2, 3, 4, 5], timeout=2)
    finally:
        await worker.stop()
    assert not worker.running


async def test_without_a_wake_the_step_runs_again_after_the_interval() -> None:
    calls = 0

    async def step() -> bool:
        nonlocal calls
        calls += 1
        return False

    worker = Worker("poll", step, interval_s=0.05)
    worker.start()
    try:
        await eventually(lambda: _value(calls), lambda c: c >= 3, timeout=2)
    finally:
        await worker.stop()


async def test_a_failing_step_backs_off_logs_once_and_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts = 0

    async def step() -> bool:
        nonlocal attempts
        attempts += 1
        if attempts <= 4:
            raise RuntimeError("database away")
        return False

    worker = Worker("flaky", step, interval_s=0.01, max_backoff_s=0.05)
    with caplog.at_level(logging.INFO, logger="shared.workers"):
        worker.start()
        try:
            await eventually(lambda: _value(attempts), lambda a: a >= 5, timeout=3)
            await eventually(lambda: _value(worker.last_error), lambda e: e is None, timeout=3)
        finally:
            await worker.stop()
    failures = [r for r in caplog.records if "failed; retrying" in r.getMessage()]
    assert len(failures) == 1, [r.getMessage() for r in caplog.records]
    assert any("recovered" in r.getMessage() for r in caplog.records)


async def test_a_wake_while_every_runner_is_busy_is_not_lost() -> None:
    release = asyncio.Event()
    calls = 0

    async def step() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            await release.wait()
        return False

    worker = Worker("busy", step, interval_s=3600)
    worker.start()
    try:
        await eventually(lambda: _value(calls), lambda c: c == 1, timeout=2)
        worker.wake()
        release.set()
        await eventually(lambda: _value(calls), lambda c: c == 2, timeout=2)
    finally:
        await worker.stop()


async def test_several_runners_share_the_work() -> None:
    running = 0
    peak = 0
    gate = asyncio.Event()

    async def step() -> bool:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await gate.wait()
        running -= 1
        return False

    worker = Worker("senders", step, interval_s=3600, concurrency=3)
    worker.start()
    try:
        await eventually(lambda: _value(peak), lambda p: p == 3, timeout=2)
        gate.set()
    finally:
        await worker.stop()


async def test_wakes_before_the_step_starts_need_no_second_step() -> None:
    calls = 0

    async def step() -> bool:
        nonlocal calls
        calls += 1
        return False

    worker = Worker("coalescing", step, interval_s=3600)
    worker.start()
    try:
        await eventually(lambda: _value(worker._idle), lambda idle: len(idle) == 1, timeout=2)
        calls = 0
        for _ in range(3):  # the first wakes the runner; the others come before it runs
            worker.wake()
        await eventually(lambda: _value(calls), lambda c: c >= 1, timeout=2)
        await eventually(lambda: _value(worker._idle), lambda idle: len(idle) == 1, timeout=2)
        assert calls == 1, "the one step started after all three wakes"
    finally:
        await worker.stop()


async def test_a_woken_runner_lingers_so_that_one_step_takes_every_wake_meanwhile() -> None:
    loop = asyncio.get_running_loop()
    woken_at: list[float] = []
    steps_at: list[float] = []

    async def step() -> bool:
        steps_at.append(loop.time())
        return False

    worker = Worker("lingering", step, interval_s=3600, linger_s=0.3)
    worker.start()
    try:
        await eventually(lambda: _value(worker._idle), lambda idle: len(idle) == 1, timeout=2)
        steps_at.clear()
        for _ in range(3):
            woken_at.append(loop.time())
            worker.wake()
            await asyncio.sleep(0)  # the runner wakes up between them and lingers
        await eventually(lambda: _value(steps_at), lambda s: len(s) >= 1, timeout=3)
        await eventually(lambda: _value(worker._idle), lambda idle: len(idle) == 1, timeout=2)
        assert len(steps_at) == 1, "one step for the three wakes"
        assert steps_at[0] - woken_at[0] >= 0.3, "after the linger"
    finally:
        await worker.stop()


async def test_a_wake_during_the_step_still_runs_it_again_with_a_linger() -> None:
    release = asyncio.Event()
    calls = 0

    async def step() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            await release.wait()
        return False

    worker = Worker("lingering-busy", step, interval_s=3600, linger_s=0.01)
    worker.start()
    try:
        await eventually(lambda: _value(calls), lambda c: c == 1, timeout=2)
        worker.wake()
        release.set()
        await eventually(lambda: _value(calls), lambda c: c == 2, timeout=2)
    finally:
        await worker.stop()


async def _value(value: object) -> object:
    return value
