"""outbox vacuumed after 1% of it (at least 1,000 rows) is dead, not 20%: until then the relay
walks over the dead entries at the front of ix_outbox_pending on every pass

Revision ID: idx_outbox_vacuum
Revises: 0007_money_fee_basis
"""

from collections.abc import Sequence

from shared.storage.migration_steps import vacuum_queue_as_default_v3, vacuum_queue_often_v3

revision: str = "idx_outbox_vacuum"
down_revision: str | None = "0007_money_fee_basis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    vacuum_queue_often_v3("outbox")


def downgrade() -> None:
    vacuum_queue_as_default_v3("outbox")
