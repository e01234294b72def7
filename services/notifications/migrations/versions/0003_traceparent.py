"""notifications: the W3C traceparent of the event that made the row (so the SMTP send is
traced in the request's trace), and an index of failed rows (counted at each metrics scrape)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("traceparent", sa.String(length=55), nullable=True))
    op.create_index(
        "ix_notifications_failed",
        "notifications",
        ["id"],
        unique=False,
        postgresql_where=sa.text("status = 'failed'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_notifications_failed",
        table_name="notifications",
        postgresql_where=sa.text("status = 'failed'"),
    )
    op.drop_column("notifications", "traceparent")
