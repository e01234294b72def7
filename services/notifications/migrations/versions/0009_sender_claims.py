"""a sender's claim on the notifications it is sending: the database session that made it

Revision ID: 0009_sender_claims
Revises: 0008_erasure_erased_addresses
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_sender_claims"
down_revision: str | None = "0008_erasure_erased_addresses"
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
