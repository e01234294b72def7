"""Pruning what would otherwise grow for ever: published outbox rows, old inbox entries, and
whatever a service registers (stored idempotency responses, old message bodies).

Each step deletes one bounded batch and says whether more is waiting, so a large backlog is
worked off in short transactions rather than one long lock. Inbox entries are kept much longer
than outbox rows (``INBOX_RETENTION_DAYS``, 30 by default): an entry is what makes a redelivered
or replayed event a no-op, so it must outlive any replay an operator may do.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlalchemy import Column, Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock
from shared.workers import Worker

PruneStep = Callable[[], Awaitable[bool]]
"""Deletes one bounded batch of what has expired; True while more is waiting."""


class Pruner:
    def __init__(
        self,
        name: str,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        interval_s: float,
        batch_size: int = 1000,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.batch_size = batch_size
        self.steps: list[PruneStep] = []
        self.worker = Worker(f"pruner:{name}", self.step, interval_s=interval_s)

    def add(self, step: PruneStep) -> None:
        self.steps.append(step)

    def add_outbox(self, outbox: Table, retention_days: float) -> None:
        """Published rows older than ``retention_days``; pending rows are never touched."""

        async def prune_outbox() -> bool:
            cutoff = self.clock.now() - timedelta(days=retention_days)
            expired = (
                select(outbox.c.id)
                .where(outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff)
                .limit(self.batch_size)
            )
            return await self._delete(delete(outbox).where(outbox.c.id.in_(expired)))

        self.add(prune_outbox)

    def add_published(self, outbox: Table, topic: str) -> None:
        """Published rows of ``topic`` at any age: what they carry (personal data) is not kept
        once the broker has it."""

        async def prune_published() -> bool:
            published = (
                select(outbox.c.id)
                .where(outbox.c.topic == topic, outbox.c.published_at.is_not(None))
                .limit(self.batch_size)
            )
            return await self._delete(delete(outbox).where(outbox.c.id.in_(published)))

        self.add(prune_published)

    def add_inbox(self, inbox: Table, retention_days: float) -> None:
        key = (inbox.c.consumer_group, inbox.c.event_id)
        self.add(self.expired(inbox, inbox.c.processed_at, timedelta(days=retention_days), key))

    def expired(
        self,
        table: Table,
        age: Column,  # type: ignore[type-arg]
        retention: timedelta,
        key: Sequence[Column],  # type: ignore[type-arg]
    ) -> PruneStep:
        """A step that deletes one batch of ``table``'s rows whose ``age`` is older than
        ``retention``, naming rows by their ``key`` columns."""

        async def prune() -> bool:
            cutoff = self.clock.now() - retention
            batch = select(*key).where(age < cutoff).limit(self.batch_size)
            return await self._delete(delete(table).where(tuple_(*key).in_(batch)))

        return prune

    async def _delete(self, statement) -> bool:  # type: ignore[no-untyped-def]
        async with self.sessions() as session, session.begin():
            deleted = (await session.execute(statement)).rowcount
        return bool(deleted and deleted >= self.batch_size)

    async def step(self) -> bool:
        """One batch of every step; True while any of them has more."""
        more = False
        for prune in self.steps:
            more = await prune() or more
        return more

    def start(self) -> None:
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()
