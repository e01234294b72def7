"""The store of the scheduler (reminders) and of the academic-year rollover: claiming due rows
with ``FOR UPDATE SKIP LOCKED`` so two replicas never take the same one."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.repository import UNDER_WAY, days
from services.brokerage.tables import deployments, reminders, sles


async def schedule(
    session: AsyncSession, *, kind: str, key: str, request_id: UUID, due_at: datetime
) -> None:
    """Add a reminder; one of the same kind and key already there stays as it is."""
    statement = insert(reminders).values(kind=kind, key=key, request_id=request_id, due_at=due_at)
    await session.execute(statement.on_conflict_do_nothing(index_elements=["kind", "key"]))


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[RowMapping]:
    """Due reminders not done yet, locked for this transaction (others skip them)."""
    query = (
        select(reminders)
        .where(reminders.c.done_at.is_(None), reminders.c.due_at <= now)
        .order_by(reminders.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).mappings().all()


async def mark_done(
    session: AsyncSession, kind: str, key: str, now: datetime, outcome: str
) -> None:
    await session.execute(
        update(reminders)
        .where(reminders.c.kind == kind, reminders.c.key == key)
        .values(done_at=now, outcome=outcome)
    )


async def list_reminders(session: AsyncSession, request_id: UUID) -> Sequence[RowMapping]:
    query = select(reminders).where(reminders.c.request_id == request_id)
    return (await session.execute(query.order_by(reminders.c.due_at))).mappings().all()


async def stale_sles(session: AsyncSession, year: int, limit: int) -> Sequence[RowMapping]:
    """SLEs whose days are still those of an academic year before ``year``, locked."""
    query = (
        select(sles)
        .where(sles.c.academic_year < year)
        .order_by(sles.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).mappings().all()


async def running_days(session: AsyncSession, sle_id: UUID) -> list[tuple[float, float]]:
    """(agreed, delivered) of each of the SLE's deployments under way."""
    query = select(deployments.c.days, deployments.c.days_delivered).where(
        deployments.c.sle_id == sle_id, deployments.c.status.in_(UNDER_WAY)
    )
    return [(days(a), days(d)) for a, d in (await session.execute(query)).all()]
