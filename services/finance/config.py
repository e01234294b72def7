"""The finance service's settings: its database, port and public address (for the invoice
links in emails). What an alliance charges VAT at and how it invoices is the alliance's data."""

from pydantic import Field

from shared.settings import ServiceSettings


class FinanceSettings(ServiceSettings):
    database: str | None = Field(None, alias="FINANCE_DATABASE_URL")
    port: int = Field(8004, alias="FINANCE_PORT")
    own_public_url: str | None = Field(None, alias="FINANCE_PUBLIC_URL")
    lock_timeout_ms: int = Field(5000, alias="FINANCE_LOCK_TIMEOUT_MS", ge=1, le=60_000)
    """How long issuing an invoice waits for the alliance's number counter (issuing is
    serialised per alliance) before it gives up with a 503 and Retry-After."""
