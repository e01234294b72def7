"""SQL for the notifications table."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, Row, String, bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.domain.identity import address_hash
from services.notifications.domain.messages import NewNotification
from services.notifications.tables import erased_addresses
from services.notifications.tables import notifications as t
from shared.observability import tracing


def _add_statement() -> Any:
    """One notification, unless (event, recipient) is recorded already or the address was
    erased at or after the event's time (an event from before an erasure can arrive after it:
    another topic, a replay). Built once; executed with all of an event's rows, which asyncpg
    sends in one round trip."""
    columns = [c for c in t.c if c.name in NEW_COLUMNS]
    erased_since_event = exists().where(
        erased_addresses.c.address_hash == bindparam("address_hash", type_=String),
        erased_addresses.c.erased_at >= bindparam("event_time", type_=DateTime(timezone=True)),
    )
    row = select(*(bindparam(c.name, type_=c.type) for c in columns)).where(~erased_since_event)
    return (
        insert(t)
        .from_select(columns, row)
        .on_conflict_do_nothing(index_elements=[t.c.event_id, t.c.recipient_email])
    )


NEW_COLUMNS = {f.name for f in fields(NewNotification)} | {"traceparent"}
ADD = _add_statement()


async def add(session: AsyncSession, new: Sequence[NewNotification], event_time: datetime) -> None:
    """Record new notifications of an event of ``event_time``: one already recorded for (event,
    recipient) is left alone, and none goes to an address erased at or after that time."""
    if not new:
        return
    traceparent = tracing.current_traceparent()
    rows = [
        {
            **asdict(n),
            "traceparent": traceparent,
            "address_hash": address_hash(n.recipient_email),
            "event_time": event_time,
        }
        for n in new
    ]
    await session.execute(ADD, rows)


# The secret of a school's private link (brokerage's ``/support-requests/<id>/school?token=``).
PRIVATE_TOKEN = r"(/school\?token=)[^\s\"'<>&]+"
REDACTED = r"\1removed-after-sending"


def _without_private_link(body: Any) -> Any:
    return func.regexp_replace(body, PRIVATE_TOKEN, REDACTED, "g")


def _claim_statement() -> Any:
    due = (
        select(t.c.id, t.c.body_text, t.c.body_html)
        .where(t.c.status == "pending", t.c.next_attempt_at <= func.now())
        .order_by(t.c.next_attempt_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .subquery("due")
    )
    other = t.alias("other")
    more = (
        select(other.c.id)
        .where(other.c.status == "pending", other.c.next_attempt_at <= func.now())
        .where(other.c.id != due.c.id)
        .exists()
    )
    return (
        update(t)
        .where(t.c.id == due.c.id)
        .values(
            status="sent",
            sent_at=func.now(),
            attempts=t.c.attempts + 1,
            last_error=None,
            body_text=_without_private_link(t.c.body_text),
            body_html=_without_private_link(t.c.body_html),
        )
        .returning(
            *(c for c in t.c if c.name not in ("body_text", "body_html")),
            due.c.body_text,
            due.c.body_html,
            more.label("more_due"),
        )
    )


CLAIM = _claim_statement()  # built once: the statement keeps its cache key


async def claim_for_sending(session: AsyncSession) -> Row[Any] | None:
    """Lock one pending notification that is due (skipping rows another sender holds) and mark
    it sent, in one statement: the row as it will be once the transaction commits (``attempts``
    counts this attempt), with its bodies as they are to be sent, while the stored copy loses
    the school's private link (the school has it by email; staff can read the copy). Also
    ``more_due``: whether another notification was due (one another sender holds counts too).
    A failed send rewrites the row (``retry_later``, ``mark_failed``) in the same transaction;
    a crash rolls the whole claim back."""
    return (await session.execute(CLAIM)).first()


async def mark_failed(session: AsyncSession, claimed: Row[Any], reason: str) -> None:
    """Give up on a claimed notification (its attempt is already counted); its bodies as they
    were (a failed notification keeps the school's link until its bodies are blanked)."""
    await session.execute(
        update(t)
        .where(t.c.id == claimed.id)
        .values(
            status="failed",
            sent_at=None,
            failed_at=func.now(),
            last_error=reason,
            body_text=claimed.body_text,
            body_html=claimed.body_html,
        )
    )


async def retry_later(
    session: AsyncSession, claimed: Row[Any], reason: str, delay_s: float
) -> None:
    """Put a claimed notification back as it was, due again in ``delay_s`` (its attempt
    already counted)."""
    await session.execute(
        update(t)
        .where(t.c.id == claimed.id)
        .values(
            status="pending",
            sent_at=None,
            last_error=reason,
            next_attempt_at=func.now() + timedelta(seconds=delay_s),
            body_text=claimed.body_text,
            body_html=claimed.body_html,
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
