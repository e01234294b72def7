"""schools, memberships, courses, bookings, idempotency keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 01:06:46.752003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("strand", sa.String(length=40), nullable=False),
        sa.Column("phases", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("audience", sa.Text(), server_default="", nullable=False),
        sa.Column("facilitator", sa.String(length=200), server_default="", nullable=False),
        sa.Column("sessions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("minimum_viable_numbers", sa.Integer(), nullable=True),
        sa.Column("booking_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_price_pence", sa.Integer(), nullable=False),
        sa.Column("non_member_price_pence", sa.Integer(), nullable=False),
        sa.Column("cancellation_policy", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("offer_hold_hours", sa.Float(), nullable=False),
        sa.Column("queue_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_courses_capacity_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
    )
    op.create_index("ix_courses_alliance", "courses", ["alliance_id", "starts_at"], unique=False)
    op.create_index("ix_courses_catalogue", "courses", ["status", "starts_at"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
    op.create_table(
        "schools",
        sa.Column("urn", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("cpd_lead_name", sa.String(length=200), nullable=False),
        sa.Column("cpd_lead_email", sa.String(length=320), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("registered_by_alliance", sa.String(length=100), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("urn", name=op.f("pk_schools")),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("school_urn", sa.String(length=6), nullable=False),
        sa.Column("participant_name", sa.String(length=200), nullable=False),
        sa.Column("participant_email", sa.String(length=320), nullable=False),
        sa.Column("participant_role", sa.String(length=200), nullable=True),
        sa.Column("access_needs", sa.Text(), nullable=True),
        sa.Column("booker_subject", sa.String(length=200), nullable=False),
        sa.Column("booker_name", sa.String(length=200), nullable=False),
        sa.Column("booker_email", sa.String(length=320), nullable=False),
        sa.Column("price_pence", sa.Integer(), nullable=False),
        sa.Column("queue_seq", sa.BigInteger(), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fee_pence", sa.Integer(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=20), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_bookings_course_id_courses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    op.create_index(
        "ix_bookings_course_status", "bookings", ["course_id", "status", "queue_seq"], unique=False
    )
    op.create_index(
        "ix_bookings_offers_due",
        "bookings",
        ["offer_expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'offered'"),
    )
    op.create_index("ix_bookings_participant", "bookings", ["participant_email"], unique=False)
    op.create_index("ix_bookings_school", "bookings", ["school_urn", "created_at"], unique=False)
    op.create_index(
        "uq_bookings_live_participant",
        "bookings",
        ["course_id", sa.literal_column("lower(participant_email)")],
        unique=True,
        postgresql_where=sa.text(
            "status IN ('awaiting_approval', 'confirmed', 'waitlisted', 'offered')"
        ),
    )
    op.create_table(
        "memberships",
        sa.Column("alliance_id", sa.String(length=100), nullable=False),
        sa.Column("urn", sa.String(length=6), nullable=False),
        sa.Column(
            "joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(["urn"], ["schools.urn"], name=op.f("fk_memberships_urn_schools")),
        sa.PrimaryKeyConstraint("alliance_id", "urn", name="pk_memberships"),
    )


def downgrade() -> None:
    op.drop_table("memberships")
    op.drop_index(
        "uq_bookings_live_participant",
        table_name="bookings",
        postgresql_where=sa.text(
            "status IN ('awaiting_approval', 'confirmed', 'waitlisted', 'offered')"
        ),
    )
    op.drop_index("ix_bookings_school", table_name="bookings")
    op.drop_index("ix_bookings_participant", table_name="bookings")
    op.drop_index(
        "ix_bookings_offers_due",
        table_name="bookings",
        postgresql_where=sa.text("status = 'offered'"),
    )
    op.drop_index("ix_bookings_course_status", table_name="bookings")
    op.drop_table("bookings")
    op.drop_table("schools")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_courses_catalogue", table_name="courses")
    op.drop_index("ix_courses_alliance", table_name="courses")
    op.drop_table("courses")
