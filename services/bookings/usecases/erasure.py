"""Erasing one person here, and the retention of participants' details after a course."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import personal_data_store as store
from services.bookings.usecases.context import BookingsContext


async def erase_here(session: AsyncSession, email: str) -> int:
    """Bookings' part of an erasure, in the caller's transaction: the rows changed."""
    return await store.erase(session, email)


@dataclass(frozen=True)
class ParticipantRetention:
    """A pruning step: bookings of courses that ended more than ``retention`` ago lose the
    participant's and booker's names and addresses (their counts and money stay)."""

    ctx: BookingsContext
    retention: timedelta
    batch_size: int = 500

    async def step(self) -> bool:
        cutoff = self.ctx.clock.now() - self.retention
        async with self.ctx.runtime.transaction() as session:
            done = await store.anonymise_past_participants(session, cutoff, self.batch_size)
        return done >= self.batch_size
