"""Schema steps every service's migrations share: the outbox and inbox tables (version 1), the
index the pruner finds published outbox rows by (version 2), the outbox vacuumed more often
(version 3), and outbox pages filled to half (version 4).

Migrations are history: a later change to these tables is a new function used by a new
migration, never an edit here.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def create_outbox_and_inbox_v1() -> None:
    op.create_table(
        "inbox",
        sa.Column("consumer_group", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("consumer_group", "event_id", name="pk_inbox"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text("published_at IS NULL"),
    )


def drop_outbox_and_inbox_v1() -> None:
    op.drop_index(
        "ix_outbox_pending", table_name="outbox", postgresql_where=sa.text("published_at IS NULL")
    )
    op.drop_table("outbox")
    op.drop_table("inbox")


def create_outbox_published_index_v2() -> None:
    """Published rows by age, for the pruner (pending rows are not in it)."""
    op.create_index(
        "ix_outbox_published",
        "outbox",
        ["published_at"],
        unique=False,
        postgresql_where=sa.text("published_at IS NOT NULL"),
    )


def drop_outbox_published_index_v2() -> None:
    op.drop_index(
        "ix_outbox_published",
        table_name="outbox",
        postgresql_where=sa.text("published_at IS NOT NULL"),
    )


def vacuum_queue_often_v3(table: str = "outbox") -> None:
    """Autovacuum for a table read as a queue: after 1% of it (at least 1,000 rows) is dead,
    not the default 20% (``shared.storage.tables.QUEUE_AUTOVACUUM``)."""
    op.execute(
        f"ALTER TABLE {table} SET"
        " (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000)"
    )


def vacuum_queue_as_default_v3(table: str = "outbox") -> None:
    op.execute(
        f"ALTER TABLE {table} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)"
    )


def outbox_room_for_updates_v4() -> None:
    """Outbox pages filled to half by inserts (``shared.storage.tables.OUTBOX_FILLFACTOR``)."""
    op.execute("ALTER TABLE outbox SET (fillfactor = 50)")


def outbox_full_pages_v4() -> None:
    op.execute("ALTER TABLE outbox RESET (fillfactor)")
