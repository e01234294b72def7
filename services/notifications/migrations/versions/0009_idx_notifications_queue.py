"""the notifications table and the outbox vacuumed after 1% of them is dead (the senders and the
relay walk over the dead entries at the front of their partial index until then); two indexes
fewer to write on every insert and every claim (an update that cannot be HOT):
ix_notifications_event (uq_notifications_event_recipient, event_id first, finds a notification
by its event) and uq_notifications_message_id (the Message-ID is ``<id@domain>``: unique as the
primary key is)

Revision ID: idx_notifications_queue
Revises: 0008_erasure_erased_addresses
"""

from collections.abc import Sequence

from alembic import op

from shared.storage.migration_steps import vacuum_queue_as_default_v3, vacuum_queue_often_v3

revision: str = "idx_notifications_queue"
down_revision: str | None = "0008_erasure_erased_addresses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_notifications_event", table_name="notifications")
    op.drop_constraint("uq_notifications_message_id", "notifications", type_="unique")
    vacuum_queue_often_v3("notifications")
    vacuum_queue_often_v3("outbox")


def downgrade() -> None:
    vacuum_queue_as_default_v3("outbox")
    vacuum_queue_as_default_v3("notifications")
    op.create_unique_constraint("uq_notifications_message_id", "notifications", ["message_id"])
    op.create_index("ix_notifications_event", "notifications", ["event_id"], unique=False)
