"""ix_ledger_entries_invoice holds only the entries on an invoice: an entry recorded from an event
is on none yet, and no entry is written for it (one index entry fewer per money fact)

Revision ID: ledger_invoiced_only
Revises: idx_outbox_vacuum
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_invoiced_only"
down_revision: str | None = "idx_outbox_vacuum"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_ledger_entries_invoice", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_entries_invoice",
        "ledger_entries",
        ["invoice_id"],
        postgresql_where=sa.text("invoice_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_invoice", table_name="ledger_entries")
    op.create_index("ix_ledger_entries_invoice", "ledger_entries", ["invoice_id"])
