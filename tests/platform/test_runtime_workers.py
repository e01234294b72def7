"""A service's background work runs on the runtime: its workers start once the broker is up
and stop before the broker does."""

from services.bookings.config import BookingsSettings
from shared.runtime import ServiceRuntime
from shared.workers import Worker
from tests.platform.kernel_app import kernel_metadata
from tests.support.wait import eventually


async def test_workers_run_between_the_broker_starting_and_stopping(
    kernel_settings: BookingsSettings,
) -> None:
    metadata, _ = kernel_metadata()
    runtime = ServiceRuntime("bookings", kernel_settings, metadata)
    pings: list[bool] = []

    async def step() -> bool:
        pings.append(await runtime.broker.ping(timeout=2))
        return False

    worker = runtime.add_worker(Worker("pinger", step, interval_s=0.05))
    running_when_broker_stopped: list[bool] = []
    stop_broker = runtime.broker.stop

    async def recording_stop(*args: object, **kwargs: object) -> None:
        running_when_broker_stopped.append(worker.running)
        await stop_broker(*args, **kwargs)  # type: ignore[arg-type]

    runtime.broker.stop = recording_stop  # type: ignore[method-assign]
    assert not worker.running
    await runtime.start()
    try:
        assert worker.running

        async def pinged() -> int:
            return len(pings)

        await eventually(pinged, lambda n: n >= 3)
    finally:
        await runtime.stop()

    assert all(pings)
    assert running_when_broker_stopped == [False]
    assert not worker.running
