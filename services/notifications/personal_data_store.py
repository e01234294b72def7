"""The SQL of one person's data in notifications (erasure, subject access) and of how long the
record of what was sent to whom is kept."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.domain.identity import address_hash
from services.notifications.tables import erased_addresses, metadata, notifications, staff
from shared.storage.personal_data import ERASED, forget_published, placeholder, rows_naming, scrub

t = notifications
PLUMBING = ("outbox", "inbox")
BLANK = {"subject": "", "body_text": "", "body_html": ""}


async def erase(session: AsyncSession, email: str, asked_at: datetime) -> int:
    """Their notifications not yet sent are dropped; those sent keep what was sent for which
    event, not to whom nor the text; every other notification of the same events loses its
    text too (an email to a CPD lead names the participant); the staff copy loses them; the
    rest is scrubbed."""
    changed = 0

    async def run(statement: Any) -> None:
        nonlocal changed
        changed += (await session.execute(statement)).rowcount or 0

    theirs = t.c.recipient_email == email
    their_events = select(t.c.event_id).where(theirs)
    await run(delete(t).where(theirs, t.c.status == "pending"))
    await run(
        update(t)
        .where(t.c.event_id.in_(their_events), t.c.status != "pending")
        .values(**BLANK, bodies_removed_at=func.coalesce(t.c.bodies_removed_at, func.now()))
    )
    await run(
        update(t).where(theirs).values(recipient_email=placeholder(t.c.id), recipient_name=ERASED)
    )
    await run(delete(staff).where(staff.c.email == email))
    remember = insert(erased_addresses).values(address_hash=address_hash(email), erased_at=asked_at)
    await run(
        remember.on_conflict_do_update(
            index_elements=[erased_addresses.c.address_hash],
            set_={"erased_at": func.greatest(erased_addresses.c.erased_at, asked_at)},
        )
    )
    changed += await forget_published(session, metadata.tables["outbox"], email)
    changed += await scrub(session, metadata.sorted_tables, email)
    return changed


async def export(
    session: AsyncSession, email: str, alliance_id: str | None
) -> dict[str, list[dict[str, Any]]]:
    tables = [table for table in metadata.sorted_tables if table.name not in PLUMBING]
    scopes = None
    if alliance_id is not None:
        scopes = {"notifications": t.c.alliance_id == alliance_id}
        scopes["staff"] = staff.c.alliance_id == alliance_id
    return await rows_naming(session, tables, email, scopes)


async def forget_old_erasures(session: AsyncSession, before: datetime, batch: int) -> int:
    old = select(erased_addresses.c.address_hash).where(erased_addresses.c.erased_at < before)
    statement = delete(erased_addresses).where(
        erased_addresses.c.address_hash.in_(old.limit(batch))
    )
    return (await session.execute(statement)).rowcount or 0


async def delete_old_records(session: AsyncSession, before: datetime, batch: int) -> int:
    """Sent or failed notifications done before ``before``: one batch is deleted."""
    done = func.coalesce(t.c.sent_at, t.c.failed_at)
    old = (
        select(t.c.id)
        .where(t.c.status.in_(("sent", "failed")), done < before)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(delete(t).where(t.c.id.in_(old)))).rowcount or 0
