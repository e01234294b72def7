"""Finance's statements still find their rows through an index (``tests.support.plans``)."""

from uuid import uuid4

from sqlalchemy import select, update

from services.finance.tables import entries
from tests.support.plans import generic_plan
from tests.support.stack import Stack


async def test_an_invoices_entries_are_found_through_the_invoiced_only_index(
    stack: Stack,
) -> None:
    url = await stack.migrated_database("finance", "plans")
    on_invoice = select(entries.c.id).where(entries.c.invoice_id == uuid4())
    released = update(entries).where(entries.c.invoice_id == uuid4()).values(invoice_id=None)
    for statement in (on_invoice, released):
        plan = await generic_plan(url, statement)
        assert "ix_ledger_entries_invoice" in plan, plan
