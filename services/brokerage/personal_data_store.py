"""The SQL of one person's data in brokerage (erasure, subject access) and of the retention of
schools' contacts on finished support requests."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.brokerage.tables import alliances, metadata, sles, staff, support_requests
from shared.storage.personal_data import (
    ERASED,
    forget_published,
    mentions,
    placeholder,
    rows_naming,
    scrub,
    without,
)

FINISHED = ("completed", "evaluated", "withdrawn", "cancelled", "unmatched")
PLUMBING = ("outbox", "inbox")


FREE_TEXT = ("needs", "outcomes", "timing", "triage_note", "exit_reason", "evaluation")


def _contact_erased() -> dict[str, Any]:
    email = support_requests.c.contact_email
    return {
        **{name: without(support_requests.c[name], email) for name in FREE_TEXT},
        "contact_name": ERASED,
        "contact_role": ERASED,
        "contact_email": placeholder(support_requests.c.id),
        "contact_phone": ERASED,
    }


async def erase(session: AsyncSession, email: str, _: datetime | None = None) -> int:
    """Anonymise ``email``'s data: a school contact's request keeps its school, needs and days
    but not the contact; an SLE's directory entry keeps its days and deployments (paused) but
    not the name, address or phone; a home-school head's name and address go; the alliance's
    coordinator list and staff copy lose them; the rest is scrubbed."""
    changed = 0

    async def run(statement: Any) -> None:
        nonlocal changed
        changed += (await session.execute(statement)).rowcount or 0

    await run(
        update(support_requests)
        .where(func.lower(support_requests.c.contact_email) == email)
        .values(_contact_erased())
    )
    await run(
        update(sles)
        .where(func.lower(sles.c.email) == email)
        .values(name=ERASED, email=placeholder(sles.c.id), phone=None, status="inactive")
    )
    await run(
        update(sles)
        .where(func.lower(sles.c.home_head_email) == email)
        .values(home_head_name=ERASED, home_head_email=placeholder(sles.c.id))
    )
    entry = literal_column("entry")
    kept = (
        select(func.coalesce(func.jsonb_agg(entry), literal_column("'[]'::jsonb")))
        .select_from(func.jsonb_array_elements(alliances.c.coordinators).alias("entry"))
        .where(func.lower(entry.op("->>")("email")) != email)
        .scalar_subquery()
    )
    await run(update(alliances).where(mentions(alliances, email)).values(coordinators=kept))
    await run(delete(staff).where(staff.c.email == email))
    changed += await forget_published(session, metadata.tables["outbox"], email)
    changed += await scrub(session, metadata.sorted_tables, email)
    return changed


async def export(
    session: AsyncSession, email: str, alliance_id: str | None
) -> dict[str, list[dict[str, Any]]]:
    tables = [t for t in metadata.sorted_tables if t.name not in PLUMBING]
    scopes = None
    if alliance_id is not None:
        scopes = {
            "alliances": alliances.c.id == alliance_id,
            "staff": staff.c.alliance_id == alliance_id,
            "sles": sles.c.alliance_id == alliance_id,
            "support_requests": support_requests.c.alliance_id == alliance_id,
        }
    return await rows_naming(session, tables, email, scopes)


async def anonymise_old_contacts(
    session: AsyncSession, finished_before: datetime, batch: int
) -> int:
    """Finished support requests last changed before ``finished_before``: one batch loses its
    school contact (as in an erasure)."""
    old = (
        select(support_requests.c.id)
        .where(
            support_requests.c.status.in_(FINISHED),
            support_requests.c.updated_at < finished_before,
            support_requests.c.contact_name != ERASED,
        )
        .limit(batch)
    )
    statement = update(support_requests).where(support_requests.c.id.in_(old))
    return (await session.execute(statement.values(_contact_erased()))).rowcount or 0
