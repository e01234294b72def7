"""The kernel's gauges, computed at scrape time: the outbox backlog (one indexed query), the
database pool and each consumer's lag (from what the Kafka client already knows)."""

from datetime import UTC, datetime

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.observability.metrics import Metrics, Refresh


def outbox_backlog(
    metrics: Metrics, sessions: async_sessionmaker[AsyncSession], outbox: Table
) -> Refresh:
    async def refresh() -> None:
        async with sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(outbox.c.created_at)).where(
                        outbox.c.published_at.is_(None)
                    )
                )
            ).one()
        metrics.outbox_pending.set(count)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        metrics.outbox_oldest_age.set(max(age, 0.0))

    return refresh


def database_pool(metrics: Metrics, engine: AsyncEngine) -> Refresh:
    async def refresh() -> None:
        pool = engine.pool
        metrics.pool_checked_out.set(pool.checkedout())  # type: ignore[attr-defined]
        metrics.pool_size.set(pool.size())  # type: ignore[attr-defined]

    return refresh
