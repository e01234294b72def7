"""a deployment keeps how its brokerage fee is reckoned: a percentage (of the days delivered)
or, when null, the fixed brokerage_fee_pence

Revision ID: 0007_money_fee_basis
Revises: 0006_capability_link_generation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_money_fee_basis"
down_revision: str | None = "0006_capability_link_generation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "deployments",
        sa.Column("brokerage_fee_percent", sa.Numeric(5, 2), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("deployments", "brokerage_fee_percent")
