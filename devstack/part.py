"""What every locally started part shares: one child process, its state and its signals."""

import asyncio

from devstack.process import ChildProcess


class ManagedPart:
    _process: ChildProcess | None = None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.alive

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def process(self) -> ChildProcess | None:
        return self._process

    def start(self) -> None:
        raise NotImplementedError

    def stop(self, timeout: float = 10) -> None:
        if self._process is not None:
            self._process.stop(timeout=timeout)

    def pause(self) -> None:
        if self._process is not None:
            self._process.pause()

    def resume(self) -> None:
        if self._process is not None:
            self._process.resume()

    async def start_async(self) -> None:
        await asyncio.to_thread(self.start)

    async def stop_async(self) -> None:
        await asyncio.to_thread(self.stop)
