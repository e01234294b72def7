"""brokerage tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 01:07:24.091678
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
    op.execute(sa.schema.CreateSequence(sa.Sequence("support_request_number")))
    op.create_table(
        "alliances",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column(
            "coordinators",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliances")),
    )
    op.create_table(
        "sles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("home_school_urn", sa.String(length=6), nullable=False),
        sa.Column("home_school_name", sa.String(length=200), nullable=False),
        sa.Column("home_head_name", sa.String(length=200), nullable=False),
        sa.Column("home_head_email", sa.String(length=320), nullable=False),
        sa.Column("phases", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("specialisms", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("days_available", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column(
            "days_committed", sa.Numeric(precision=6, scale=1), server_default="0", nullable=False
        ),
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
        sa.CheckConstraint(
            "days_committed <= days_available", name=op.f("ck_sles_days_never_over_committed")
        ),
        sa.CheckConstraint("days_committed >= 0", name=op.f("ck_sles_days_committed_not_negative")),
        sa.ForeignKeyConstraint(
            ["alliance_id"], ["alliances.id"], name=op.f("fk_sles_alliance_id_alliances")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sles")),
    )
    op.create_index(op.f("ix_sles_alliance_id"), "sles", ["alliance_id"], unique=False)
    op.create_index(
        "uq_sles_alliance_email",
        "sles",
        ["alliance_id", sa.literal_column("lower(email)")],
        unique=True,
    )
    op.create_table(
        "support_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("school_urn", sa.String(length=6), nullable=False),
        sa.Column("school_name", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_role", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("areas", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("outcomes", sa.Text(), nullable=False),
        sa.Column("timing", sa.String(length=500), nullable=False),
        sa.Column("days_requested", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("funding_source", sa.String(length=32), nullable=False),
        sa.Column("consent_to_share", sa.Boolean(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("triage_note", sa.Text(), nullable=True),
        sa.Column("proposed_sle_id", sa.Uuid(), nullable=True),
        sa.Column("proposal_rank", sa.Integer(), nullable=True),
        sa.Column("proposal_reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "confirmations",
            postgresql.ARRAY(sa.String(length=32)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "declined_sle_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False
        ),
        sa.Column("exit_reason", sa.Text(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("evaluation", sa.Text(), nullable=True),
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
            ["alliance_id"],
            ["alliances.id"],
            name=op.f("fk_support_requests_alliance_id_alliances"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_sle_id"], ["sles.id"], name=op.f("fk_support_requests_proposed_sle_id_sles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_support_requests_reference")),
    )
    op.create_index(
        "ix_support_requests_alliance_status",
        "support_requests",
        ["alliance_id", "status"],
        unique=False,
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("sle_id", sa.Uuid(), nullable=False),
        sa.Column("days", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("day_rate_pence", sa.Integer(), nullable=False),
        sa.Column("brokerage_fee_pence", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "days_delivered", sa.Numeric(precision=6, scale=1), server_default="0", nullable=False
        ),
        sa.Column(
            "days_released", sa.Numeric(precision=6, scale=1), server_default="0", nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
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
        sa.CheckConstraint(
            "days_delivered <= days", name=op.f("ck_deployments_delivered_within_agreed")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["support_requests.id"],
            name=op.f("fk_deployments_request_id_support_requests"),
        ),
        sa.ForeignKeyConstraint(["sle_id"], ["sles.id"], name=op.f("fk_deployments_sle_id_sles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
        sa.UniqueConstraint("request_id", name=op.f("uq_deployments_request_id")),
    )
    op.create_index(op.f("ix_deployments_sle_id"), "deployments", ["sle_id"], unique=False)
    op.create_table(
        "visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deployment_id", sa.Uuid(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("days", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("logged_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"], ["deployments.id"], name=op.f("fk_visits_deployment_id_deployments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index(op.f("ix_visits_deployment_id"), "visits", ["deployment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_visits_deployment_id"), table_name="visits")
    op.drop_table("visits")
    op.drop_index(op.f("ix_deployments_sle_id"), table_name="deployments")
    op.drop_table("deployments")
    op.drop_index("ix_support_requests_alliance_status", table_name="support_requests")
    op.drop_table("support_requests")
    op.drop_index("uq_sles_alliance_email", table_name="sles")
    op.drop_index(op.f("ix_sles_alliance_id"), table_name="sles")
    op.drop_table("sles")
    op.drop_table("alliances")
    op.execute(sa.schema.DropSequence(sa.Sequence("support_request_number")))
