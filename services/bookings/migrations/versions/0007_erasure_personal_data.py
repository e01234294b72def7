"""personal-data requests (erasure, subject access) and each service's answer

Revision ID: 0007_erasure_personal_data
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_erasure_personal_data"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personal_data_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("email_hint", sa.String(length=330), nullable=False),
        sa.Column("alliance_id", sa.String(length=100), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_personal_data_requests"),
        sa.CheckConstraint("kind in ('erasure', 'access')", name="ck_personal_data_requests_kind"),
    )
    op.create_index(
        "ix_personal_data_requests_alliance",
        "personal_data_requests",
        ["alliance_id", "requested_at"],
    )
    op.create_table(
        "personal_data_answers",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), server_default="0", nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=True),
        sa.Column("truncated", sa.Boolean(), server_default="false", nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["personal_data_requests.id"],
            name="fk_personal_data_answers_request_id_personal_data_requests",
        ),
        sa.PrimaryKeyConstraint("request_id", "service", name="pk_personal_data_answers"),
    )
    op.create_index("ix_personal_data_answers_answered", "personal_data_answers", ["answered_at"])


def downgrade() -> None:
    op.drop_index("ix_personal_data_answers_answered", table_name="personal_data_answers")
    op.drop_table("personal_data_answers")
    op.drop_index("ix_personal_data_requests_alliance", table_name="personal_data_requests")
    op.drop_table("personal_data_requests")
