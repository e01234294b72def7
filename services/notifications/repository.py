"""SQL for the notifications table."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.domain.messages import NewNotification
from services.notifications.tables import notifications as t
from shared.observability import tracing


async def add(session: AsyncSession, new: Sequence[NewNotification]) -> int:
    """Insert new notifications; one already recorded for (event, recipient) is left alone."""
    if not new:
        return 0
    traceparent = tracing.current_traceparent()
    result = await session.execute(
        insert(t)
        .values([{**asdict(n), "traceparent": traceparent} for n in new])
        .on_conflict_do_nothing(index_elements=[t.c.event_id, t.c.recipient_email])
        .returning(t.c.id)
    )
    return len(result.all())


async def claim_due(session: AsyncSession) -> Row[Any] | None:
    """Lock one pending notification that is due, skipping rows another sender holds."""
    return (
        await session.execute(
            select(t)
            .where(t.c.status == "pending", t.c.next_attempt_at <= func.now())
            .order_by(t.c.next_attempt_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).first()


async def mark_sent(session: AsyncSession, notification_id: UUID) -> None:
    now = datetime.now(UTC)
    await session.execute(
        update(t)
        .where(t.c.id == notification_id)
        .values(status="sent", sent_at=now, attempts=t.c.attempts + 1, last_error=None)
    )


async def mark_failed(session: AsyncSession, notification_id: UUID, reason: str) -> None:
    now = datetime.now(UTC)
    await session.execute(
        update(t)
        .where(t.c.id == notification_id)
        .values(status="failed", failed_at=now, attempts=t.c.attempts + 1, last_error=reason)
    )


async def retry_later(
    session: AsyncSession, notification_id: UUID, reason: str, delay_s: float
) -> None:
    await session.execute(
        update(t)
        .where(t.c.id == notification_id)
        .values(
            attempts=t.c.attempts + 1,
            last_error=reason,
            next_attempt_at=func.now() + timedelta(seconds=delay_s),
        )
    )


async def count_failed(session: AsyncSession) -> int:
    """How many notifications are failed now (a partial index keeps this cheap)."""
    return int(await session.scalar(select(func.count()).where(t.c.status == "failed")) or 0)


async def requeue(
    session: AsyncSession, notification_id: UUID, alliance_id: str
) -> Row[Any] | None:
    """Send a failed notification again (staff asked): the row as it is now, or None if there is
    no such failed one."""
    result = await session.execute(
        update(t)
        .where(t.c.id == notification_id, t.c.alliance_id == alliance_id, t.c.status == "failed")
        .values(status="pending", attempts=0, failed_at=None, next_attempt_at=func.now())
        .returning(*t.c)
    )
    return result.first()


@dataclass(frozen=True)
class Filters:
    alliance_id: str
    recipient: str | None = None
    event_id: UUID | None = None
    status: str | None = None
    event_type: str | None = None


def _where(filters: Filters) -> list[Any]:
    clauses: list[Any] = [t.c.alliance_id == filters.alliance_id]
    if filters.recipient:
        clauses.append(t.c.recipient_email == filters.recipient.strip().lower())
    if filters.event_id:
        clauses.append(t.c.event_id == filters.event_id)
    if filters.status:
        clauses.append(t.c.status == filters.status)
    if filters.event_type:
        clauses.append(t.c.event_type == filters.event_type)
    return clauses


LIST_COLUMNS = [c for c in t.c if c.name not in ("body_text", "body_html")]


async def search(
    session: AsyncSession, filters: Filters, limit: int, offset: int
) -> tuple[list[Row[Any]], int]:
    where = _where(filters)
    total = await session.scalar(select(func.count()).select_from(t).where(*where))
    rows = (
        await session.execute(
            select(*LIST_COLUMNS)
            .where(*where)
            .order_by(t.c.created_at.desc(), t.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return list(rows), int(total or 0)


async def get(session: AsyncSession, notification_id: UUID, alliance_id: str) -> Row[Any] | None:
    return (
        await session.execute(
            select(t).where(t.c.id == notification_id, t.c.alliance_id == alliance_id)
        )
    ).first()
