"""the course and the support request a notification is about, for the staff log's filters

Revision ID: 0007_capability_course_request
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_capability_course_request"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("course_id", sa.Uuid(), nullable=True))
    op.add_column("notifications", sa.Column("request_id", sa.Uuid(), nullable=True))
    op.add_column(
        "notifications", sa.Column("request_reference", sa.String(length=32), nullable=True)
    )
    op.create_index(
        "ix_notifications_alliance_course", "notifications", ["alliance_id", "course_id"]
    )
    op.create_index(
        "ix_notifications_alliance_request", "notifications", ["alliance_id", "request_id"]
    )
    # Brokerage's events name their request in the subject ("support-request/<id>").
    op.execute(
        "UPDATE notifications SET request_id = CAST(substr(event_subject, 17) AS uuid) "
        "WHERE event_subject ~ '^support-request/[0-9a-f-]{36}$'"
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_alliance_request", table_name="notifications")
    op.drop_index("ix_notifications_alliance_course", table_name="notifications")
    op.drop_column("notifications", "request_reference")
    op.drop_column("notifications", "request_id")
    op.drop_column("notifications", "course_id")
