"""Keeping what was sent, not how it read: old notifications' bodies are blanked."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifications import repository
from shared.clock import Clock


@dataclass(frozen=True)
class BodyRetention:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    retention: timedelta
    batch_size: int = 500

    async def step(self) -> bool:
        """Blank one batch of bodies older than the retention; True while more are waiting."""
        async with self.sessions() as session, session.begin():
            blanked = await repository.remove_old_bodies(
                session, self.clock.now() - self.retention, self.batch_size
            )
        return blanked >= self.batch_size
