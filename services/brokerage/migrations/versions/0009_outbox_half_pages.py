"""outbox pages filled to half by inserts: the relay's update of a row (published) keeps its new
version on the row's page, so only the changed end of the row goes to the WAL

Revision ID: outbox_half_pages
Revises: idx_outbox_vacuum
"""

from collections.abc import Sequence

from shared.storage.migration_steps import outbox_full_pages_v4, outbox_room_for_updates_v4

revision: str = "outbox_half_pages"
down_revision: str | None = "idx_outbox_vacuum"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_room_for_updates_v4()


def downgrade() -> None:
    outbox_full_pages_v4()
