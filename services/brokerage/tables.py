"""The brokerage database: its own tables plus the outbox and inbox every service carries."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Sequence,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from shared.runtime import service_metadata
from shared.storage.staff_copy import staff_copy_table

metadata = service_metadata()

DAYS = Numeric(6, 1)


def _timestamps() -> list[Column]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


alliances = Table(
    "alliances",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("region", String(100), nullable=False),
    # [{"name": ..., "email": ...}]: who hears about the alliance's requests.
    Column("coordinators", JSONB, nullable=False, server_default="[]"),
    *_timestamps(),
)

# Alliance staff as bookings announces them: who coordinates here.
staff = staff_copy_table(metadata)

sles = Table(
    "sles",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("alliance_id", String(64), ForeignKey("alliances.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("phone", String(40), nullable=True),
    Column("home_school_urn", String(6), nullable=False),
    Column("home_school_name", String(200), nullable=False),
    Column("home_head_name", String(200), nullable=False),
    Column("home_head_email", String(320), nullable=False),
    Column("phases", ARRAY(String(32)), nullable=False),
    Column("specialisms", ARRAY(String(64)), nullable=False),
    Column("region", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    # Days available in ``academic_year`` (the calendar year its 1 September fell in).
    Column("days_available", DAYS, nullable=False),
    Column("academic_year", Integer, nullable=False),
    # Days reserved by agreed deployments and not given back: never above days_available.
    Column("days_committed", DAYS, nullable=False, server_default="0"),
    *_timestamps(),
    CheckConstraint("days_committed >= 0", name="days_committed_not_negative"),
    CheckConstraint("days_committed <= days_available", name="days_never_over_committed"),
)
Index("uq_sles_alliance_email", sles.c.alliance_id, func.lower(sles.c.email), unique=True)

request_number = Sequence("support_request_number", metadata=metadata)

support_requests = Table(
    "support_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("alliance_id", String(64), ForeignKey("alliances.id"), nullable=False),
    Column("reference", String(32), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("school_urn", String(6), nullable=False),
    Column("school_name", String(200), nullable=False),
    Column("contact_name", String(200), nullable=False),
    Column("contact_role", String(200), nullable=False),
    Column("contact_email", String(320), nullable=False),
    Column("contact_phone", String(40), nullable=False),
    Column("areas", ARRAY(String(64)), nullable=False),
    Column("phase", String(32), nullable=False),
    Column("needs", Text, nullable=False),
    Column("outcomes", Text, nullable=False),
    Column("timing", String(500), nullable=False),
    Column("days_requested", DAYS, nullable=False),
    Column("funding_source", String(32), nullable=False),
    Column("consent_to_share", Boolean, nullable=False),
    Column("region", String(100), nullable=True),
    Column("priority", String(16), nullable=True),
    Column("triage_note", Text, nullable=True),
    Column("proposed_sle_id", Uuid, ForeignKey("sles.id"), nullable=True),
    Column("proposal_rank", Integer, nullable=True),
    Column("proposal_reasons", JSONB, nullable=True),
    Column("confirmations", ARRAY(String(32)), nullable=False, server_default="{}"),
    Column("declined_sle_ids", ARRAY(Uuid), nullable=False, server_default="{}"),
    Column("exit_reason", Text, nullable=True),
    Column("rating", Integer, nullable=True),
    Column("evaluation", Text, nullable=True),
    # The school's private link: only links of this generation work (usecases/links.py).
    Column("school_link_generation", Integer, nullable=False, server_default="0"),
    *_timestamps(),
)
Index(
    "ix_support_requests_alliance_status", support_requests.c.alliance_id, support_requests.c.status
)

deployments = Table(
    "deployments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("request_id", Uuid, ForeignKey("support_requests.id"), nullable=False, unique=True),
    Column("sle_id", Uuid, ForeignKey("sles.id"), nullable=False, index=True),
    Column("days", DAYS, nullable=False),
    Column("day_rate_pence", Integer, nullable=False),
    Column("brokerage_fee_pence", Integer, nullable=False),
    # A percentage of the SLE's days delivered; null: brokerage_fee_pence is a fixed fee.
    Column("brokerage_fee_percent", Numeric(5, 2), nullable=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("days_delivered", DAYS, nullable=False, server_default="0"),
    # Days given back to the SLE when the deployment ended before all were delivered.
    Column("days_released", DAYS, nullable=False, server_default="0"),
    Column("status", String(16), nullable=False),
    *_timestamps(),
    CheckConstraint("days_delivered <= days", name="delivered_within_agreed"),
)

visits = Table(
    "visits",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("deployment_id", Uuid, ForeignKey("deployments.id"), nullable=False, index=True),
    Column("visit_date", Date, nullable=False),
    Column("days", DAYS, nullable=False),
    Column("summary", Text, nullable=True),
    Column("logged_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The restart-safe scheduler's rows: one per (kind, key), due at ``due_at``, done once.
reminders = Table(
    "reminders",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("request_id", Uuid, ForeignKey("support_requests.id"), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True), nullable=True),
    # "sent" (its event is in the outbox) or "not_needed" (nothing was overdue by then).
    Column("outcome", String(16), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index(
    "ix_reminders_pending_due",
    reminders.c.due_at,
    postgresql_where=reminders.c.done_at.is_(None),
)
