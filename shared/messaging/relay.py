"""The outbox relay: publishes pending rows in id order, then marks them published.

One relay at a time holds a transaction-scoped advisory lock, so any number of relay workers
(across processes) never publish the same row concurrently and per-key order is the commit order.
A failed batch rolls back and is tried again from its first row: delivery is at least once, and
consumers drop the repeats through their inbox.
"""

import asyncio
import contextlib
import json
import logging
import zlib
from datetime import UTC, datetime

from faststream.kafka import KafkaBroker
from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)


def advisory_lock_key(name: str) -> int:
    return zlib.crc32(f"outbox-relay:{name}".encode())


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        broker: KafkaBroker,
        table: Table,
        name: str,
        *,
        batch_size: int = 200,
        poll_interval_s: float = 0.5,
        max_backoff_s: float = 5.0,
    ) -> None:
        self.sessions = sessions
        self.broker = broker
        self.table = table
        self.lock_key = advisory_lock_key(name)
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.max_backoff_s = max_backoff_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_error: str | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        backoff = self.poll_interval_s
        while True:
            try:
                published = await self.publish_batch()
                self.last_error = None
                backoff = self.poll_interval_s
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("outbox relay failed; retrying", extra={"error": self.last_error})
                await self._record_failure(self.last_error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            if published < self.batch_size:
                await self._idle()

    async def _record_failure(self, error: str) -> None:
        """Note the failure on the oldest pending row, where an on-call engineer will look."""
        t = self.table
        oldest = (
            select(t.c.id).where(t.c.published_at.is_(None)).order_by(t.c.id).limit(1)
        ).scalar_subquery()
        try:
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(t)
                    .where(t.c.id == oldest)
                    .values(attempts=t.c.attempts + 1, last_error=error[:2000])
                )
        except Exception:
            log.warning("could not record the relay failure", exc_info=True)

    async def _idle(self) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # arrives as the wake event is set, and stop() then waits for ever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.poll_interval_s):
                await self._wake.wait()
        self._wake.clear()

    async def publish_batch(self) -> int:
        t = self.table
        async with self.sessions() as session, session.begin():
            locked = await session.scalar(select(func.pg_try_advisory_xact_lock(self.lock_key)))
            if not locked:
                return 0
            rows = (
                await session.execute(
                    select(t.c.id, t.c.topic, t.c.key, t.c.headers, t.c.payload)
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.id)
                    .limit(self.batch_size)
                )
            ).all()
            if not rows:
                return 0
            pending = [
                await self.broker.publish(
                    json.dumps(row.payload, separators=(",", ":")).encode(),
                    row.topic,
                    key=row.key.encode(),
                    headers=dict(row.headers),
                    correlation_id=row.headers.get("ce_correlationid"),
                    no_confirm=True,
                )
                for row in rows
            ]
            await asyncio.gather(*pending)
            await session.execute(
                update(t)
                .where(t.c.id.in_([row.id for row in rows]))
                .values(published_at=datetime.now(UTC), attempts=t.c.attempts + 1)
            )
            return len(rows)

    async def pending_count(self) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(self.table)
                .where(self.table.c.published_at.is_(None))
            )
            return int(count or 0)
