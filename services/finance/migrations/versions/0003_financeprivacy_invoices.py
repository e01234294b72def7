"""finance: an issued invoice still refuses every change but one, an erasure: its finance
contact's name and email may go (to null) and who issued it may become "[erased]"

Revision ID: 0003_financeprivacy_invoices
Revises: 0002_money_finance_tables
Create Date: 2026-11-26 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_financeprivacy_invoices"
down_revision: str | None = "0002_money_finance_tables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL = "ARRAY['finance_contact_name', 'finance_contact_email', 'issued_by']"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION refuse_invoice_change_but_erasure() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE'
                AND to_jsonb(NEW) - {PERSONAL} = to_jsonb(OLD) - {PERSONAL}
            THEN
                IF (NEW.finance_contact_name IS NULL
                        OR NEW.finance_contact_name IS NOT DISTINCT FROM OLD.finance_contact_name)
                    AND (NEW.finance_contact_email IS NULL
                        OR NEW.finance_contact_email IS NOT DISTINCT FROM OLD.finance_contact_email)
                    AND NEW.issued_by IN (OLD.issued_by, '[erased]')
                THEN
                    RETURN NEW;
                END IF;
            END IF;
            RAISE EXCEPTION 'an issued invoice cannot change (%): issue a credit note', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END $$
        """
    )
    op.execute("DROP TRIGGER invoices_immutable ON invoices")
    op.execute(
        "CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices "
        "FOR EACH ROW EXECUTE FUNCTION refuse_invoice_change_but_erasure()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER invoices_immutable ON invoices")
    op.execute(
        "CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices "
        "FOR EACH ROW EXECUTE FUNCTION refuse_invoice_change()"
    )
    op.execute("DROP FUNCTION refuse_invoice_change_but_erasure()")
