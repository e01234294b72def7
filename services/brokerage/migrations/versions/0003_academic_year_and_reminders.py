"""academic year of an SLE's days; the reminders scheduler

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sles", sa.Column("academic_year", sa.Integer(), nullable=True))
    # The academic year now in England: 1 September starts it (minus 8 months lands in its
    # calendar year).
    op.execute(
        "UPDATE sles SET academic_year = extract(year FROM "
        "(now() AT TIME ZONE 'Europe/London') - interval '8 months')::int"
    )
    op.alter_column("sles", "academic_year", nullable=False)
    op.create_table(
        "reminders",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["request_id"], ["support_requests.id"]),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    op.create_index(
        "ix_reminders_pending_due",
        "reminders",
        ["due_at"],
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_pending_due", table_name="reminders")
    op.drop_table("reminders")
    op.drop_column("sles", "academic_year")
