"""notifications: room on each page for a row's next versions, so that a sender's claim (which
changes no indexed column) is a HOT update: no new entry in any of the table's indexes; and
ix_notifications_alliance_request holds only the notifications about a support request (a
booking's have none: two entries fewer for each of them, written again on every update that is
not HOT)

Revision ID: notif_hot_claims
Revises: 0010_sender_claims
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notif_hot_claims"
down_revision: str | None = "0010_sender_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE notifications SET (fillfactor = 50)")
    op.drop_index("ix_notifications_alliance_request", table_name="notifications")
    op.create_index(
        "ix_notifications_alliance_request",
        "notifications",
        ["alliance_id", "request_id"],
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_alliance_request", table_name="notifications")
    op.create_index(
        "ix_notifications_alliance_request", "notifications", ["alliance_id", "request_id"]
    )
    op.execute("ALTER TABLE notifications RESET (fillfactor)")
