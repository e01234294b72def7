"""addresses erased here (hashed), so late events from before an erasure are not mailed

Revision ID: 0008_erasure_erased_addresses
Revises: 0007_capability_course_request
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_erasure_erased_addresses"
down_revision: str | None = "0007_capability_course_request"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_addresses",
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_hash", name="pk_erased_addresses"),
    )


def downgrade() -> None:
    op.drop_table("erased_addresses")
