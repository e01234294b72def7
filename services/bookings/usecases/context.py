"""What a use case needs: the runtime (database, outbox), the clock, settings and public links."""

from dataclasses import dataclass
from uuid import UUID

from services.bookings.config import BookingsSettings
from shared.clock import Clock
from shared.runtime import ServiceRuntime


@dataclass(frozen=True)
class BookingsContext:
    runtime: ServiceRuntime
    clock: Clock
    config: BookingsSettings

    @property
    def base_url(self) -> str:
        return self.config.service_url()

    def course_url(self, course_id: UUID) -> str:
        return f"{self.base_url}/catalogue/{course_id}"

    def booking_url(self, booking_id: UUID) -> str:
        return f"{self.base_url}/bookings/{booking_id}"
