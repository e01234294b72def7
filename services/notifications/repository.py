"""SQL for the notifications table."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    DateTime,
    Interval,
    Row,
    String,
    bindparam,
    column,
    exists,
    func,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.domain.identity import address_hash
from services.notifications.domain.messages import NewNotification
from services.notifications.tables import erased_addresses
from services.notifications.tables import notifications as t
from shared.observability import tracing
from shared.storage.inline import inline


def _unbounded(type_: Any) -> Any:
    """A column's type without its length: a value too long for the column fails the INSERT,
    as it did when bound alone, rather than being cut short by a cast to ``VARCHAR(n)[]``."""
    return String() if isinstance(type_, String) else type_


def _add_statement() -> Any:
    """Notifications, unless (event, recipient) is recorded already or the address was erased
    at or after the event's time (an event from before an erasure can arrive after it: another
    topic, a replay). Built once, whatever the number of rows: they come as one array per
    column, unnested into rows (one statement, where ``executemany`` ran one per row)."""
    columns = [c for c in t.c if c.name in NEW_COLUMNS]
    given = (
        func.unnest(
            *(bindparam(c.name, type_=ARRAY(_unbounded(c.type))) for c in columns),
            bindparam("address_hash", type_=ARRAY(String)),
            bindparam("event_time", type_=ARRAY(DateTime(timezone=True))),
        )
        .table_valued(*(c.name for c in columns), "address_hash", "event_time")
        .render_derived("given")
    )
    erased_since_event = exists().where(
        erased_addresses.c.address_hash == given.c.address_hash,
        erased_addresses.c.erased_at >= given.c.event_time,
    )
    rows = select(*(given.c[c.name] for c in columns)).where(~erased_since_event)
    return (
        insert(t)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=[t.c.event_id, t.c.recipient_email])
    )


NEW_COLUMNS = {f.name for f in fields(NewNotification)} | {"traceparent"}
ADD = _add_statement()
ADD_PARAMETERS = [*(c.name for c in t.c if c.name in NEW_COLUMNS), "address_hash", "event_time"]

NewRow = dict[str, Any]


def new_rows(new: Sequence[NewNotification], event_time: datetime) -> list[NewRow]:
    """The rows of an event's notifications, as ``add`` takes them; each names the span now
    running (the consumer's, for this event) as the parent of its send."""
    traceparent = tracing.current_traceparent()
    return [
        {
            **vars(n),  # not dataclasses.asdict: it deep-copies every value (0.4 ms a row here)
            "traceparent": traceparent,
            "address_hash": address_hash(n.recipient_email),
            "event_time": event_time,
        }
        for n in new
    ]


async def add(session: AsyncSession, rows: Sequence[NewRow]) -> None:
    """Record new notifications (``new_rows``, of one event or many) in one statement: one
    already recorded for (event, recipient) is left alone, and none goes to an address erased
    at or after its event's time."""
    if rows:
        await session.execute(ADD, {k: [row[k] for row in rows] for k in ADD_PARAMETERS})


# The secret of a school's private link (brokerage's ``/support-requests/<id>/school?token=``).
PRIVATE_TOKEN = r"(/school\?token=)[^\s\"'<>&]+"
REDACTED = r"\1removed-after-sending"


def _without_private_link(body: Any) -> Any:
    return func.regexp_replace(body, PRIVATE_TOKEN, REDACTED, "g")


def _claim_statement() -> Any:
    # A claim holds while the database session that made it does (the backend with that pid,
    # started before the claim: a pid used again later is another session).
    activity = table("pg_stat_activity", column("pid"), column("backend_start"))
    claimer_alive = (
        select(activity.c.pid)
        .where(activity.c.pid == t.c.claimed_by, activity.c.backend_start <= t.c.claimed_at)
        .exists()
    )
    due = (
        select(t.c.id)
        # 'pending' written in: the claim reads the due rows through ix_notifications_due, not
        # every notification ever recorded (see ``inline``).
        .where(t.c.status == inline("pending"), t.c.next_attempt_at <= func.now())
        .where(or_(t.c.claimed_by.is_(None), ~claimer_alive))
        .order_by(t.c.next_attempt_at)
        .limit(bindparam("batch"))
        .with_for_update(skip_locked=True)
    )
    return (
        update(t)
        .where(t.c.id.in_(due.scalar_subquery()))
        .values(claimed_by=func.pg_backend_pid(), claimed_at=func.now())
        .returning(*t.c)
    )


CLAIM = _claim_statement()  # built once: the statement keeps its cache key


async def claim_for_sending(session: AsyncSession, batch: int) -> list[Row[Any]]:
    """Claim at most ``batch`` pending notifications that are due, oldest first, skipping those
    another sender holds: each names this database session as its claimer. The claim lasts as
    long as the session (a sender that dies releases what it claimed) or until the row is
    recorded as sent, failed or deferred. The session must be in autocommit mode and kept for
    the whole batch; a claim made in a transaction would hide the rows until its commit."""
    claimed = (await session.execute(CLAIM, {"batch": batch})).all()
    return sorted(claimed, key=lambda row: (row.next_attempt_at, row.created_at))


def _done(**values: Any) -> Any:
    """A claimed notification recorded as done (sent, failed, deferred): no longer claimed, and
    this attempt counted."""
    return (
        update(t)
        .where(t.c.id == bindparam("notification_id"))
        .values(claimed_by=None, claimed_at=None, attempts=t.c.attempts + 1, **values)
    )


SENT = _done(status="sent", sent_at=func.now(), last_error=None)
# The school's private link leaves the stored copy (staff can read it) as the email is
# recorded as sent: the school has it in its mailbox.
SENT_WITHOUT_LINK = _done(
    status="sent",
    sent_at=func.now(),
    last_error=None,
    body_text=_without_private_link(t.c.body_text),
    body_html=_without_private_link(t.c.body_html),
)
FAILED = _done(status="failed", failed_at=func.now(), last_error=bindparam("reason"))
DEFERRED = _done(
    last_error=bindparam("reason"),
    next_attempt_at=func.now() + bindparam("delay", type_=Interval),
)


def has_private_link(row: Row[Any]) -> bool:
    return "token=" in row.body_text or "token=" in row.body_html


async def mark_sent(session: AsyncSession, claimed: Row[Any]) -> None:
    """The server has the message: the notification is sent (one statement, committed at
    once: the duplicate window)."""
    statement = SENT_WITHOUT_LINK if has_private_link(claimed) else SENT
    await session.execute(statement, {"notification_id": claimed.id})


async def mark_failed(session: AsyncSession, claimed: Row[Any], reason: str) -> None:
    """Give up on a claimed notification (this attempt counted)."""
    await session.execute(FAILED, {"notification_id": claimed.id, "reason": reason})


async def retry_later(
    session: AsyncSession, claimed: Row[Any], reason: str, delay_s: float
) -> None:
    """Put a claimed notification back, due again in ``delay_s`` (this attempt counted)."""
    await session.execute(
        DEFERRED,
        {"notification_id": claimed.id, "reason": reason, "delay": timedelta(seconds=delay_s)},
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
