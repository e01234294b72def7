"""the school link's generation: revoking the link or sending a fresh one moves to the next

Revision ID: 0006_capability_link_generation
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_capability_link_generation"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "support_requests",
        sa.Column("school_link_generation", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("support_requests", "school_link_generation")
