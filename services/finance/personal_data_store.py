"""The SQL of one person's data in finance (erasure, subject access).

A person is in finance as a school's finance contact (its billing details, and copied onto
each invoice issued to the school), a school's CPD lead (an address bookings' events name),
an administrator (the staff copy, and ``issued_by`` on the invoices they issued). Invoices are
accounting records kept for six years, so they stay, with their school, lines and money; only
the contact and the issuer on them are anonymised (the trigger on ``invoices`` allows exactly
that and nothing else: migration ``0003``)."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.finance.tables import invoice_lines, invoices, metadata, schools, staff
from shared.storage.personal_data import ERASED, forget_published, rows_naming, scrub

PLUMBING = ("outbox", "inbox")
IMMUTABLE = (invoices.name, invoice_lines.name)


async def erase(session: AsyncSession, email: str, _: datetime | None = None) -> int:
    """Anonymise ``email``'s data: a school keeps its billing address but not this finance
    contact or CPD lead; an invoice keeps everything but the contact's name and email (as if
    the school had had none) and who issued it; the staff copy loses the person; the rest is
    scrubbed."""
    changed = 0

    async def run(statement: Any) -> None:
        nonlocal changed
        changed += (await session.execute(statement)).rowcount or 0

    await run(
        update(schools)
        .where(func.lower(schools.c.finance_contact_email) == email)
        .values(finance_contact_name=None, finance_contact_email=None)
    )
    await run(
        update(schools)
        .where(func.lower(schools.c.cpd_lead_email) == email)
        .values(cpd_lead_email=None)
    )
    await run(
        update(invoices)
        .where(func.lower(invoices.c.finance_contact_email) == email)
        .values(finance_contact_name=None, finance_contact_email=None)
    )
    await run(
        update(invoices).where(func.lower(invoices.c.issued_by) == email).values(issued_by=ERASED)
    )
    await run(delete(staff).where(func.lower(staff.c.email) == email))
    changed += await forget_published(session, metadata.tables["outbox"], email)
    mutable = [t for t in metadata.sorted_tables if t.name not in IMMUTABLE]
    changed += await scrub(session, mutable, email)
    return changed


async def export(
    session: AsyncSession, email: str, alliance_id: str | None
) -> dict[str, list[dict[str, Any]]]:
    tables = [t for t in metadata.sorted_tables if t.name not in PLUMBING]
    scopes = None
    if alliance_id is not None:
        scopes = {
            "staff": staff.c.alliance_id == alliance_id,
            "schools": schools.c.alliance_id == alliance_id,
            "invoices": invoices.c.alliance_id == alliance_id,
        }
    return await rows_naming(session, tables, email, scopes)
