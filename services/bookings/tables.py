"""The bookings database: its own tables plus the outbox and inbox every service carries."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from shared.runtime import service_metadata

metadata = service_metadata()

schools = Table(
    "schools",
    metadata,
    Column("urn", String(6), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("cpd_lead_name", String(200), nullable=False),
    Column("cpd_lead_email", String(320), nullable=False),
    Column("requires_approval", Boolean, nullable=False, server_default="false"),
    Column("registered_by_alliance", String(100), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

staff = Table(
    "staff",
    metadata,
    Column("alliance_id", String(100), nullable=False),
    Column("email", String(320), nullable=False),
    Column("role", String(20), nullable=False),
    Column("name", String(200), nullable=True),
    Column("appointed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("alliance_id", "email"),
    CheckConstraint("role in ('administrator', 'coordinator')", name="ck_staff_role"),
)
Index("ix_staff_email", staff.c.email)
Index("ix_schools_cpd_lead_email", func.lower(schools.c.cpd_lead_email))

memberships = Table(
    "memberships",
    metadata,
    Column("alliance_id", String(100), nullable=False),
    Column("urn", String(6), ForeignKey("schools.urn"), nullable=False),
    Column("joined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("alliance_id", "urn", name="pk_memberships"),
)

courses = Table(
    "courses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("alliance_id", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("summary", Text, nullable=False, server_default=""),
    Column("strand", String(40), nullable=False),
    Column("phases", ARRAY(String(20)), nullable=False),
    Column("audience", Text, nullable=False, server_default=""),
    Column("facilitator", String(200), nullable=False, server_default=""),
    Column("sessions", JSONB, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("minimum_viable_numbers", Integer, nullable=True),
    Column("booking_closes_at", DateTime(timezone=True), nullable=False),
    Column("member_price_pence", Integer, nullable=False),
    Column("non_member_price_pence", Integer, nullable=False),
    Column("cancellation_policy", JSONB, nullable=False),
    Column("offer_hold_hours", Float, nullable=False),
    Column("queue_seq", BigInteger, nullable=False, server_default="0"),
    Column("cancellation_reason", Text, nullable=True),
    Column("viability_notice_working_days", Integer, nullable=False, server_default="10"),
    Column("reminder_days", ARRAY(Integer), nullable=False, server_default=text("'{7,1}'")),
    Column("administrator_email", String(320), nullable=True),
    Column("facilitator_email", String(320), nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("capacity >= 0", name="capacity_non_negative"),
)
Index("ix_courses_catalogue", courses.c.status, courses.c.starts_at)
Index("ix_courses_alliance", courses.c.alliance_id, courses.c.starts_at)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("course_id", Uuid, ForeignKey("courses.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("school_urn", String(6), nullable=False),
    Column("participant_name", String(200), nullable=False),
    Column("participant_email", String(320), nullable=False),
    Column("participant_role", String(200), nullable=True),
    Column("access_needs", Text, nullable=True),
    Column("booker_subject", String(200), nullable=False),
    Column("booker_name", String(200), nullable=False),
    Column("booker_email", String(320), nullable=False),
    Column("price_pence", Integer, nullable=False),
    Column("queue_seq", BigInteger, nullable=True),
    Column("offer_expires_at", DateTime(timezone=True), nullable=True),
    Column("fee_pence", Integer, nullable=True),
    Column("cancelled_by", String(20), nullable=True),
    Column("status_reason", Text, nullable=True),
    Column("free_cancellation", Boolean, nullable=False, server_default="false"),
    Column("sessions_attended", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_bookings_course_status", bookings.c.course_id, bookings.c.status, bookings.c.queue_seq)
Index("ix_bookings_school", bookings.c.school_urn, bookings.c.created_at)
Index("ix_bookings_participant", bookings.c.participant_email)
Index(
    "ix_bookings_offers_due",
    bookings.c.offer_expires_at,
    postgresql_where=bookings.c.status == "offered",
)
Index(
    "uq_bookings_live_participant",
    bookings.c.course_id,
    func.lower(bookings.c.participant_email),
    unique=True,
    postgresql_where=text("status IN ('awaiting_approval', 'confirmed', 'waitlisted', 'offered')"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(300), nullable=False),
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response", JSONB, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
)
Index("ix_idempotency_keys_created_at", idempotency_keys.c.created_at)

attendance = Table(
    "attendance",
    metadata,
    Column("booking_id", Uuid, ForeignKey("bookings.id"), nullable=False),
    Column("session_index", Integer, nullable=False),
    Column("attended", Boolean, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("booking_id", "session_index", name="pk_attendance"),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("booking_id", Uuid, ForeignKey("bookings.id"), nullable=False),
    Column("course_id", Uuid, ForeignKey("courses.id"), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comments", Text, nullable=True),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("booking_id", name="pk_evaluations"),
    CheckConstraint("rating BETWEEN 1 AND 5", name="evaluation_rating_range"),
)
Index("ix_evaluations_course", evaluations.c.course_id)

reminders = Table(
    "reminders",
    metadata,
    Column("key", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("course_id", Uuid, ForeignKey("courses.id"), nullable=False),
    Column("booking_id", Uuid, nullable=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True), nullable=True),
    Column("outcome", String(20), nullable=True),
    PrimaryKeyConstraint("key", name="pk_reminders"),
)
"""The scheduler: one row per reminder (``key`` unique, so each exists once), claimed when due
with SKIP LOCKED and marked done in the transaction that announces it."""
Index("ix_reminders_due", reminders.c.due_at, postgresql_where=reminders.c.done_at.is_(None))

personal_data_requests = Table(
    "personal_data_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(20), nullable=False),
    # "a…@example.org": enough for the requester to tell their requests apart.
    Column("email_hint", String(330), nullable=False),
    # An administrator's alliance (an export is limited to it); null: the person asked.
    Column("alliance_id", String(100), nullable=True),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("downloaded_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("kind in ('erasure', 'access')", name="ck_personal_data_requests_kind"),
)
Index(
    "ix_personal_data_requests_alliance",
    personal_data_requests.c.alliance_id,
    personal_data_requests.c.requested_at,
)

personal_data_answers = Table(
    "personal_data_answers",
    metadata,
    Column("request_id", Uuid, ForeignKey("personal_data_requests.id"), nullable=False),
    Column("service", String(40), nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False, server_default="0"),
    # An export's part (until downloaded or past its retention); null for an erasure.
    Column("data", JSONB, nullable=True),
    Column("truncated", Boolean, nullable=False, server_default="false"),
    PrimaryKeyConstraint("request_id", "service", name="pk_personal_data_answers"),
)
"""One row per service that has done its part of a request."""
Index("ix_personal_data_answers_answered", personal_data_answers.c.answered_at)
