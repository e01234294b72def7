"""drop ix_notifications_event: uq_notifications_event_recipient (event_id, recipient_email)
already finds a notification by its event, and every insert and every claim (a non-HOT update)
wrote an entry into both

Revision ID: idx_drop_notifications_event
Revises: 0008_erasure_erased_addresses
"""

from collections.abc import Sequence

from alembic import op

revision: str = "idx_drop_notifications_event"
down_revision: str | None = "0008_erasure_erased_addresses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_notifications_event", table_name="notifications")


def downgrade() -> None:
    op.create_index("ix_notifications_event", "notifications", ["event_id"], unique=False)
