"""One background loop for every periodic job: the outbox relay, the mail senders, offer expiry.

A worker runs its ``step`` again at once while the step says there is more to do; otherwise it
waits for ``wake()`` or the interval. With a ``linger_s``, a runner woken from its wait lingers
that long before the step, so that one step takes the work of every wake in the meantime (the
outbox relay: one pass for the rows of several commits, each row that much later). A failing
step backs off exponentially, and its error is logged once with its traceback, then at most once
a minute while it keeps failing.
"""

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[bool]]
"""Does one unit of work; True when more is waiting (run again without waiting)."""


class Worker:
    def __init__(
        self,
        name: str,
        step: Step,
        *,
        interval_s: float,
        max_backoff_s: float = 30.0,
        concurrency: int = 1,
        repeat_log_every_s: float = 60.0,
        linger_s: float = 0.0,
    ) -> None:
        self.name = name
        self.step = step
        self.interval_s = interval_s
        self.max_backoff_s = max_backoff_s
        self.concurrency = concurrency
        self.repeat_log_every_s = repeat_log_every_s
        self.linger_s = linger_s
        self.last_error: str | None = None
        self._idle: deque[asyncio.Event] = deque()
        self._woken_while_busy = False
        self._tasks: list[asyncio.Task[None]] = []
        self._failures = 0
        self._last_logged = 0.0

    def wake(self, *_: object) -> None:
        """New work: one idle runner looks now; if all are busy, the next to finish looks again."""
        while self._idle:
            event = self._idle.popleft()
            if not event.is_set():
                event.set()
                return
        self._woken_while_busy = True

    def start(self) -> None:
        if self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self.name}-{n}")
            for n in range(self.concurrency)
        ]

    @property
    def running(self) -> bool:
        return any(not task.done() for task in self._tasks)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _run(self) -> None:
        while True:
            try:
                more = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._failed(exc)
                continue
            self._recovered()
            if more:
                continue
            if self._woken_while_busy:
                self._woken_while_busy = False
                continue
            await self._wait()

    async def _wait(self) -> None:
        event = asyncio.Event()
        self._idle.append(event)
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that arrives as the event is set, and stop() would then wait for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_s):
                    await event.wait()
        finally:
            with contextlib.suppress(ValueError):
                self._idle.remove(event)
        if event.is_set() and self.linger_s > 0:
            await asyncio.sleep(self.linger_s)
        # The step starts after every wake so far (a wake that came while this runner was out of
        # the idle queue, lingering or about to run, set the flag): none needs a second look.
        self._woken_while_busy = False

    async def _failed(self, exc: Exception) -> None:
        self._failures += 1
        error = f"{type(exc).__name__}: {exc}"
        now = time.monotonic()
        if error != self.last_error:
            log.warning(
                "%s failed; retrying", self.name, exc_info=True, extra={"error": error[:500]}
            )
            self._last_logged = now
        elif now - self._last_logged >= self.repeat_log_every_s:
            log.warning(
                "%s still failing; retrying",
                self.name,
                extra={"error": error[:500], "failures": self._failures},
            )
            self._last_logged = now
        self.last_error = error
        delay = min(self.interval_s * 2 ** min(self._failures - 1, 16), self.max_backoff_s)
        await asyncio.sleep(delay)

    def _recovered(self) -> None:
        if self._failures:
            log.info("%s recovered", self.name, extra={"failures": self._failures})
        self._failures = 0
        self.last_error = None
