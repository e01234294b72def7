"""The outbox and inbox tables every service carries in its own database."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# For a table read as a queue, through a partial index of its pending rows, from the oldest
# (the outbox's ix_outbox_pending, and a service's own queue tables). A row done leaves a dead
# entry at the front of that index until VACUUM removes it, and every pass walks over them all.
# The default waits for 20% of the table to be dead (200,000 entries in a million rows);
# vacuumed after 1% (and at least 1,000), a pass walks a few pages. Set by each service's
# migration (``vacuum_queue_often_v3``); written here too so the model says it.
QUEUE_AUTOVACUUM = {"autovacuum_vacuum_scale_factor": 0.01, "autovacuum_vacuum_threshold": 1000}


# The relay marks each row published soon after it is written. That update cannot be HOT (the
# partial indexes change), but with room on the row's page its new version stays there: one page
# written, and only the changed end of the row in the WAL (a version on another page is logged
# whole, and the row locked first). Set by each service's migration
# (``outbox_room_for_updates_v4``); written here too so the model says it.
OUTBOX_FILLFACTOR = 50


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def outbox_table(metadata: MetaData) -> Table:
    table = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("headers", JSONB, nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
        postgresql_with={**QUEUE_AUTOVACUUM, "fillfactor": OUTBOX_FILLFACTOR},
    )
    Index(
        "ix_outbox_pending",
        table.c.id,
        postgresql_where=table.c.published_at.is_(None),
    )
    Index(
        "ix_outbox_published",
        table.c.published_at,
        postgresql_where=table.c.published_at.is_not(None),
    )
    return table


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer_group", String(200), nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer_group", "event_id", name="pk_inbox"),
    )
