"""The notifications database: its own tables plus the outbox and inbox every service carries."""

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)

from shared.runtime import service_metadata
from shared.storage.staff_copy import staff_copy_table
from shared.storage.tables import QUEUE_AUTOVACUUM

metadata = service_metadata()

STATUSES = ("pending", "sent", "failed")

# Alliance staff as bookings announces them: who may read the log.
staff = staff_copy_table(metadata)

# One row per (event, recipient): the record of what was (or will be) sent to whom and why.
notifications = Table(
    "notifications",
    metadata,
    # uuid5(event id, recipient email): also the Message-ID's local part.
    Column("id", Uuid, primary_key=True),
    Column("alliance_id", String(100), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("event_subject", String(200), nullable=True),
    Column("recipient_email", String(320), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_kind", String(50), nullable=False),
    Column("template", String(100), nullable=False),
    # ``<id@domain>`` (domain/identity.py): unique as the id is, with no index of its own.
    Column("message_id", String(300), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("status", String(20), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("failed_at", DateTime(timezone=True), nullable=True),
    # W3C traceparent of the consumer's span (null when tracing is off): the send's parent.
    Column("traceparent", String(55), nullable=True),
    Column("bodies_removed_at", DateTime(timezone=True), nullable=True),
    # What it is about, for the staff log's filters (null where the event names none).
    Column("course_id", Uuid, nullable=True),
    Column("request_id", Uuid, nullable=True),
    Column("request_reference", String(32), nullable=True),
    # A sender's claim while it sends: the PostgreSQL backend (pid) of the database session
    # that claimed the row, and when. It lasts as long as that session: one that has ended (its
    # process died) claims nothing.
    Column("claimed_by", Integer, nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("event_id", "recipient_email", name="uq_notifications_event_recipient"),
    # The senders claim from ix_notifications_due, oldest first: vacuumed often (see there).
    # Pages half filled by inserts: a claim (no indexed column changes) finds room for the
    # row's new version on its page, a HOT update that writes no index entry.
    postgresql_with={**QUEUE_AUTOVACUUM, "fillfactor": 50},
)

Index(
    "ix_notifications_due",
    notifications.c.next_attempt_at,
    postgresql_where=text("status = 'pending'"),
)
Index("ix_notifications_alliance_created", notifications.c.alliance_id, notifications.c.created_at)
Index("ix_notifications_recipient", notifications.c.recipient_email)
Index("ix_notifications_alliance_course", notifications.c.alliance_id, notifications.c.course_id)
# Only a support request's notifications: a booking's have no request (no entry to write).
Index(
    "ix_notifications_alliance_request",
    notifications.c.alliance_id,
    notifications.c.request_id,
    postgresql_where=notifications.c.request_id.is_not(None),
)
Index(
    "ix_notifications_failed",
    notifications.c.id,
    postgresql_where=text("status = 'failed'"),
)

# Addresses erased here, as SHA-256 of the lower-case address (never the address): an event
# from before the erasure that arrives after it (another topic, a replay) is not mailed to them.
erased_addresses = Table(
    "erased_addresses",
    metadata,
    Column("address_hash", String(64), primary_key=True),
    # When the erasure was asked (bookings' time): events from before it are not recorded.
    Column("erased_at", DateTime(timezone=True), nullable=False),
)
