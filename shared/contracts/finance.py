"""Events on ``finance.events.v1``, keyed by alliance id so an alliance's invoices keep order."""

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts.base import EventData, event_type_name
from shared.contracts.common import Contact, SchoolRef
from shared.contracts.topics import FINANCE_EVENTS


class InvoiceInfo(BaseModel):
    """An issued invoice or credit note as a message needs it: no participant's details."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    invoice_id: UUID
    number: str
    kind: Literal["invoice", "credit_note"]
    alliance_id: str
    alliance_name: str
    school: SchoolRef
    issued_on: date
    due_on: date
    net_pence: int
    vat_pence: int
    total_pence: int
    url: str
    """The invoice's page (sign in); its PDF is linked there and at ``url`` + ``.pdf``."""


class InvoiceIssued(EventData):
    """An invoice (or a credit note) was issued; it goes to the school's finance contact."""

    event_type: ClassVar[str] = event_type_name("finance", "invoice_issued")
    topic: ClassVar[str] = FINANCE_EVENTS
    key_field: ClassVar[str] = "alliance_id"

    invoice: InvoiceInfo
    finance_contact: Contact | None = None

    @property
    def alliance_id(self) -> str:
        return self.invoice.alliance_id

    def subject(self) -> str:
        return f"invoice/{self.invoice.invoice_id}"
