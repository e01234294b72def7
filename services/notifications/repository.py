"""SQL for the notifications table."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.domain.messages import NewNotification
from services.notifications.tables import notifications as t
from shared.observability import tracing
from shared.storage.inline import inline

# Built once (a multi-row ``.values([...])`` was compiled again on every call); executed with
# each call's rows, which SQLAlchemy still sends as one multi-row INSERT.
ADD = (
    insert(t)
    .on_conflict_do_nothing(index_elements=[t.c.event_id, t.c.recipient_email])
    .returning(t.c.id)
)


async def add(session: AsyncSession, new: Sequence[NewNotification]) -> int:
    """Insert new notifications; one already recorded for (event, recipient) is left alone."""
    if not new:
        return 0
    traceparent = tracing.current_traceparent()
    rows = [{**asdict(n), "traceparent": traceparent} for n in new]
    result = await session.execute(ADD, rows)
    return len(result.all())


def _claim_statement() -> Any:
    # 'pending' written in: the claim reads the due rows through ix_notifications_due, not
    # every notification ever recorded (see ``inline``).
    due = (
        select(t.c.id)
        .where(t.c.status == inline("pending"), t.c.next_attempt_at <= func.now())
        .order_by(t.c.next_attempt_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        update(t)
        .where(t.c.id == due)
        .values(status="sent", sent_at=func.now(), attempts=t.c.attempts + 1, last_error=None)
        .returning(*t.c)
    )


CLAIM = _claim_statement()  # built once: the statement keeps its cache key


async def claim_for_sending(session: AsyncSession) -> Row[Any] | None:
    """Lock one pending notification that is due (skipping rows another sender holds) and mark
    it sent, in one statement: the row as it will be once the transaction commits (``attempts``
    counts this attempt). A failed send rewrites it (``retry_later``, ``mark_failed``) in the same
    transaction; a crash rolls the whole claim back."""
    return (await session.execute(CLAIM)).first()


async def mark_failed(session: AsyncSession, notification_id: UUID, reason: str) -> None:
    """Give up on a claimed notification (its attempt is already counted)."""
    await session.execute(
        update(t)
        .where(t.c.id == notification_id)
        .values(status="failed", sent_at=None, failed_at=func.now(), last_error=reason)
    )


async def retry_later(
    session: AsyncSession, notification_id: UUID, reason: str, delay_s: float
) -> None:
    """Put a claimed notification back, due again in ``delay_s`` (its attempt already counted)."""
    await session.execute(
        update(t)
        .where(t.c.id == notification_id)
        .values(
            status="pending",
            sent_at=None,
            last_error=reason,
            next_attempt_at=func.now() + timedelta(seconds=delay_s),
        )
    )


# The secret of a school's private link (brokerage's ``/support-requests/<id>/school?token=``).
PRIVATE_TOKEN = r"(/school\?token=)[^\s\"'<>&]+"
REDACTED = r"\1removed-after-sending"


async def redact_private_links(session: AsyncSession, notification_id: UUID) -> None:
    """Take the school's private link out of a sent notification's stored bodies: the school
    has it in its mailbox; the copy kept here (staff can read it) need not work."""
    await session.execute(
        update(t)
        .where(t.c.id == notification_id)
        .values(
            body_text=func.regexp_replace(t.c.body_text, PRIVATE_TOKEN, REDACTED, "g"),
            body_html=func.regexp_replace(t.c.body_html, PRIVATE_TOKEN, REDACTED, "g"),
        )
    )


# 'failed' written in, so that the count reads ix_notifications_failed (see ``inline``).
COUNT_FAILED = select(func.count()).where(t.c.status == inline("failed"))


async def count_failed(session: AsyncSession) -> int:
    """How many notifications are failed now (a partial index keeps this cheap)."""
    return int(await session.scalar(COUNT_FAILED) or 0)


async def requeue(
    session: AsyncSession, notification_id: UUID, alliance_id: str
) -> Row[Any] | None:
    """Send a failed notification again (staff asked): the row as it is now, or None if there is
    no such failed one."""
    result = await session.execute(
        update(t)
        .where(
            t.c.id == notification_id,
            t.c.alliance_id == alliance_id,
            t.c.status == "failed",
            t.c.bodies_removed_at.is_(None),
        )
        .values(status="pending", attempts=0, failed_at=None, next_attempt_at=func.now())
        .returning(*t.c)
    )
    return result.first()


async def remove_old_bodies(session: AsyncSession, before: datetime, limit: int) -> int:
    """Blank the subject and text of at most ``limit`` notifications sent or failed before
    ``before``; who was sent what template for which event stays. How many were blanked."""
    done = func.coalesce(t.c.sent_at, t.c.failed_at)
    batch = (
        select(t.c.id)
        .where(t.c.status.in_(("sent", "failed")), t.c.bodies_removed_at.is_(None), done < before)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        update(t)
        .where(t.c.id.in_(batch))
        .values(subject="", body_text="", body_html="", bodies_removed_at=func.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Filters:
    alliance_id: str
    recipient: str | None = None
    event_id: UUID | None = None
    status: str | None = None
    event_type: str | None = None
    course_id: UUID | None = None
    request_id: UUID | None = None
    request_reference: str | None = None


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
    if filters.course_id:
        clauses.append(t.c.course_id == filters.course_id)
    if filters.request_id:
        clauses.append(t.c.request_id == filters.request_id)
    if filters.request_reference:
        clauses.append(t.c.request_reference == filters.request_reference.strip().upper())
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
