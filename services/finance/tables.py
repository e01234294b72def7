"""The finance database: the ledger of money facts, each school's and alliance's billing
details, and the invoices (immutable: a trigger refuses any change once written)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from shared.runtime import service_metadata
from shared.storage.staff_copy import staff_copy_table

metadata = service_metadata()

# Alliance staff as bookings announces them: administrators see their alliance's money.
staff = staff_copy_table(metadata)

# An alliance's invoicing: its details, VAT, terms, and the counter its numbers come from.
alliances = Table(
    "alliances",
    metadata,
    Column("alliance_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("vat_registered", Boolean, nullable=False, server_default="false"),
    Column("vat_number", String(30), nullable=True),
    # Basis points: 2000 is 20%.
    Column("vat_rate_bp", Integer, nullable=False, server_default="2000"),
    Column("payment_terms_days", Integer, nullable=False, server_default="30"),
    # "period" (one invoice per school and period) or "booking" (one per booking).
    Column("invoice_per", String(10), nullable=False, server_default="period"),
    Column("number_prefix", String(20), nullable=False, server_default="INV"),
    # The last number issued; locked FOR UPDATE by the issuing transaction (no gaps).
    Column("last_number", Integer, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# A school as an alliance bills it. Name and CPD lead come from bookings' events; address and
# finance contact are set by the alliance's administrators.
schools = Table(
    "schools",
    metadata,
    Column("alliance_id", String(100), primary_key=True),
    Column("urn", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("cpd_lead_email", String(320), nullable=True),
    Column("address", Text, nullable=False, server_default=""),
    Column("finance_contact_name", String(200), nullable=True),
    Column("finance_contact_email", String(320), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_schools_cpd_lead", schools.c.cpd_lead_email)
Index("ix_schools_finance_contact", schools.c.finance_contact_email)

# One money fact for one school: positive is owed by the school, negative is owed to it.
entries = Table(
    "ledger_entries",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("alliance_id", String(100), nullable=False),
    Column("school_urn", String(20), nullable=False),
    Column("kind", String(40), nullable=False),
    # The booking or support request the money is for.
    Column("subject_id", Uuid, nullable=False),
    Column("reference", String(100), nullable=False),
    Column("description", String(300), nullable=False),
    Column("price_band", String(12), nullable=True),
    Column("quantity", Numeric(8, 1), nullable=False, server_default="1"),
    Column("unit_pence", Integer, nullable=False),
    Column("amount_pence", Integer, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("invoice_id", Uuid, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("event_id", "school_urn", "kind", name="uq_ledger_entries_event"),
)
Index(
    "ix_ledger_entries_school_period",
    entries.c.alliance_id,
    entries.c.school_urn,
    entries.c.occurred_on,
)
Index("ix_ledger_entries_subject", entries.c.subject_id)
# The entries on an invoice (an entry is on none when recorded: no index entry to write then).
Index(
    "ix_ledger_entries_invoice",
    entries.c.invoice_id,
    postgresql_where=entries.c.invoice_id.is_not(None),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("alliance_id", String(100), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("number", String(40), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("credits_invoice_id", Uuid, ForeignKey("invoices.id"), nullable=True, unique=True),
    Column("school_urn", String(20), nullable=False),
    Column("school_name", String(200), nullable=False),
    Column("school_address", Text, nullable=False),
    Column("finance_contact_name", String(200), nullable=True),
    Column("finance_contact_email", String(320), nullable=True),
    Column("alliance_name", String(200), nullable=False),
    Column("alliance_address", Text, nullable=False),
    Column("vat_registered", Boolean, nullable=False),
    Column("vat_number", String(30), nullable=True),
    Column("vat_rate_bp", Integer, nullable=False),
    Column("period_from", Date, nullable=True),
    Column("period_to", Date, nullable=True),
    Column("booking_id", Uuid, nullable=True),
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("net_pence", BigInteger, nullable=False),
    Column("vat_pence", BigInteger, nullable=False),
    Column("total_pence", BigInteger, nullable=False),
    Column("issued_by", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("alliance_id", "seq", name="uq_invoices_alliance_seq"),
    UniqueConstraint("alliance_id", "number", name="uq_invoices_alliance_number"),
)
Index("ix_invoices_school", invoices.c.alliance_id, invoices.c.school_urn)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("invoice_id", Uuid, ForeignKey("invoices.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("entry_id", BigInteger, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("description", String(300), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("quantity", Numeric(8, 1), nullable=False),
    Column("unit_pence", Integer, nullable=False),
    Column("amount_pence", Integer, nullable=False),
)
