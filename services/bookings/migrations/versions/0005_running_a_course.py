"""running a course: attendance, evaluations, the reminder schedule, course policies

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "courses",
        sa.Column(
            "viability_notice_working_days", sa.Integer(), server_default="10", nullable=False
        ),
    )
    op.add_column(
        "courses",
        sa.Column(
            "reminder_days",
            postgresql.ARRAY(sa.Integer()),
            server_default=sa.text("'{7,1}'"),
            nullable=False,
        ),
    )
    op.add_column("courses", sa.Column("administrator_email", sa.String(320), nullable=True))
    op.add_column("courses", sa.Column("facilitator_email", sa.String(320), nullable=True))
    op.add_column(
        "bookings",
        sa.Column("free_cancellation", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column("bookings", sa.Column("sessions_attended", sa.Integer(), nullable=True))
    op.create_table(
        "attendance",
        sa.Column("booking_id", sa.Uuid(), sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("session_index", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", "session_index", name="pk_attendance"),
    )
    op.create_table(
        "evaluations",
        sa.Column("booking_id", sa.Uuid(), sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("course_id", sa.Uuid(), sa.ForeignKey("courses.id"), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name="pk_evaluations"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="evaluation_rating_range"),
    )
    op.create_index("ix_evaluations_course", "evaluations", ["course_id"])
    op.create_table(
        "reminders",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("course_id", sa.Uuid(), sa.ForeignKey("courses.id"), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_reminders"),
    )
    op.create_index(
        "ix_reminders_due",
        "reminders",
        ["due_at"],
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_due", table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_evaluations_course", table_name="evaluations")
    op.drop_table("evaluations")
    op.drop_table("attendance")
    op.drop_column("bookings", "sessions_attended")
    op.drop_column("bookings", "free_cancellation")
    op.drop_column("courses", "facilitator_email")
    op.drop_column("courses", "administrator_email")
    op.drop_column("courses", "reminder_days")
    op.drop_column("courses", "viability_notice_working_days")
