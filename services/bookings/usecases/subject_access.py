"""Subject access: bookings' part of an export, and how long the collected parts are kept when
nobody downloads them (``personal_data.download`` hands them over once)."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import personal_data_store as store
from services.bookings.usecases.context import BookingsContext


async def export_here(
    session: AsyncSession, email: str, alliance_id: str | None
) -> tuple[dict[str, Any], bool]:
    return await store.export(session, email, alliance_id)


@dataclass(frozen=True)
class ExportRetention:
    """A pruning step: exports not downloaded within ``retention`` are dropped."""

    ctx: BookingsContext
    retention: timedelta
    batch_size: int = 100

    async def step(self) -> bool:
        cutoff = self.ctx.clock.now() - self.retention
        async with self.ctx.runtime.transaction() as session:
            dropped = await store.drop_old_exports(session, cutoff, self.batch_size)
        return dropped >= self.batch_size
