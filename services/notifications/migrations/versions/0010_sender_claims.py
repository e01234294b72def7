"""a sender's claim on the notifications it is sending: the database session that made it

Revision ID: 0010_sender_claims
Revises: idx_notifications_queue
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_sender_claims"
down_revision: str | None = "idx_notifications_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("claimed_by", sa.Integer(), nullable=True))
    op.add_column(
        "notifications", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("notifications", "claimed_at")
    op.drop_column("notifications", "claimed_by")
