"""SQL for the scheduler's rows (``tables.reminders``). Functions take the caller's session."""

from datetime import datetime

from sqlalchemy import Row, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.domain.schedule import Planned
from services.bookings.tables import reminders


async def plan(session: AsyncSession, planned: list[Planned]) -> None:
    """Add each reminder once (by key); one not yet done moves to its new moment."""
    if not planned:
        return
    latest = {p.key: p for p in planned}
    statement = pg_insert(reminders).values(
        [
            {
                "key": p.key,
                "kind": p.kind.value,
                "course_id": p.course_id,
                "booking_id": p.booking_id,
                "due_at": p.due_at,
            }
            for p in latest.values()
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            constraint="pk_reminders",
            set_={"due_at": statement.excluded.due_at},
            where=reminders.c.done_at.is_(None),
        )
    )


async def claim_due(session: AsyncSession, now: datetime) -> Row | None:
    """The earliest due reminder nobody else holds, locked until this transaction ends."""
    query = (
        select(reminders)
        .where(reminders.c.done_at.is_(None), reminders.c.due_at <= now)
        .order_by(reminders.c.due_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).first()


async def done(session: AsyncSession, key: str, outcome: str, now: datetime) -> None:
    await session.execute(
        update(reminders).where(reminders.c.key == key).values(done_at=now, outcome=outcome)
    )
