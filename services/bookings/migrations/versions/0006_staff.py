"""alliance staff (administrators and coordinators), kept by each alliance's administrators

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("alliance_id", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column(
            "appointed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("alliance_id", "email"),
        sa.CheckConstraint("role in ('administrator', 'coordinator')", name="ck_staff_role"),
    )
    op.create_index("ix_staff_email", "staff", ["email"])
    op.create_index("ix_schools_cpd_lead_email", "schools", [sa.text("lower(cpd_lead_email)")])


def downgrade() -> None:
    op.drop_index("ix_schools_cpd_lead_email", table_name="schools")
    op.drop_index("ix_staff_email", table_name="staff")
    op.drop_table("staff")
