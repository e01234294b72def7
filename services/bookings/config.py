"""The bookings service's settings: the kernel's, its own database, port and public URL, and
what only bookings reads."""

from pydantic import Field

from shared.settings import ServiceSettings


class BookingsSettings(ServiceSettings):
    database: str | None = Field(None, alias="BOOKINGS_DATABASE_URL")
    port: int = Field(8001, alias="BOOKINGS_PORT")
    own_public_url: str | None = Field(None, alias="BOOKINGS_PUBLIC_URL")

    offer_expiry_interval_s: float = Field(1.0, alias="BOOKINGS_OFFER_EXPIRY_INTERVAL_S", gt=0)
    lock_timeout_ms: int = Field(2000, alias="BOOKINGS_LOCK_TIMEOUT_MS", ge=1, le=60_000)
    idempotency_retention_hours: float = Field(
        24.0, alias="BOOKINGS_IDEMPOTENCY_RETENTION_HOURS", gt=0
    )
    """How long a stored idempotent response (it holds names and emails) answers a retry."""
    participant_retention_days: float = Field(
        1095.0, alias="BOOKINGS_PARTICIPANT_RETENTION_DAYS", gt=0
    )
    """After a course ends, how long its bookings keep the participants' and bookers' names and
    addresses (then anonymised as in an erasure; counts and money stay)."""
    export_retention_hours: float = Field(
        72.0, alias="BOOKINGS_PERSONAL_DATA_EXPORT_RETENTION_HOURS", gt=0
    )
    """How long a subject access export waits to be downloaded (it is dropped once it is)."""

    brokerage_public_url: str | None = Field(None, alias="BROKERAGE_PUBLIC_URL")
    brokerage_port: int = Field(8002, alias="BROKERAGE_PORT")
    notifications_public_url: str | None = Field(None, alias="NOTIFICATIONS_PUBLIC_URL")
    notifications_port: int = Field(8003, alias="NOTIFICATIONS_PORT")
    """Where the other services answer, for the links on the start page."""

    def other_service_urls(self) -> dict[str, str]:
        return {
            "brokerage": self.public_url(self.brokerage_public_url, self.brokerage_port),
            "notifications": self.public_url(
                self.notifications_public_url, self.notifications_port
            ),
        }
