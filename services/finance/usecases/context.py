"""What every finance use case runs with, built once by the composition root."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.clock import Clock
from shared.runtime import ServiceRuntime

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class FinanceContext:
    runtime: ServiceRuntime
    clock: Clock
    public_url: str
    lock_timeout_ms: int = 5000

    def today(self) -> date:
        return self.clock.now().astimezone(LONDON).date()

    def invoice_url(self, invoice_id: UUID) -> str:
        return f"{self.public_url}/finance/invoices/{invoice_id}"
