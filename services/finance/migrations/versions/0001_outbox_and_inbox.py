"""outbox and inbox

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

from shared.storage.migration_steps import (
    create_outbox_and_inbox_v1,
    create_outbox_published_index_v2,
    drop_outbox_and_inbox_v1,
    drop_outbox_published_index_v2,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_and_inbox_v1()
    create_outbox_published_index_v2()


def downgrade() -> None:
    drop_outbox_published_index_v2()
    drop_outbox_and_inbox_v1()
