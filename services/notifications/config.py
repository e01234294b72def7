"""The notifications service's settings: SMTP, the sender, how it delivers, how long it keeps
bodies, and where the other services answer (for the links in its emails)."""

from pydantic import Field, SecretStr

from services.notifications.domain.retry import RetryPolicy
from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    database: str | None = Field(None, alias="NOTIFICATIONS_DATABASE_URL")
    port: int = Field(8003, alias="NOTIFICATIONS_PORT")
    own_public_url: str | None = Field(None, alias="NOTIFICATIONS_PUBLIC_URL")

    smtp_host: str | None = Field(None, alias="SMTP_HOST")
    smtp_port: int = Field(8025, alias="SMTP_PORT")
    smtp_username: str | None = Field(None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(False, alias="SMTP_STARTTLS")
    mail_from: str = Field("Alliance <no-reply@alliance.localhost>", alias="MAIL_FROM")

    smtp_timeout_s: float = Field(10.0, alias="NOTIFICATIONS_SMTP_TIMEOUT_S", gt=0)
    max_attempts: int = Field(8, alias="NOTIFICATIONS_MAX_ATTEMPTS", ge=1)
    retry_base_s: float = Field(5.0, alias="NOTIFICATIONS_RETRY_BASE_S", gt=0)
    retry_max_s: float = Field(600.0, alias="NOTIFICATIONS_RETRY_MAX_S", gt=0)
    senders: int = Field(4, alias="NOTIFICATIONS_SENDERS", ge=1, le=32)
    send_batch: int = Field(10, alias="NOTIFICATIONS_SEND_BATCH", ge=1, le=500)
    """How many due notifications a sender claims at once (then sends one after the other)."""
    poll_interval_s: float = Field(1.0, alias="NOTIFICATIONS_POLL_INTERVAL_S", gt=0)
    body_retention_days: float = Field(90.0, alias="NOTIFICATIONS_BODY_RETENTION_DAYS", gt=0)
    """After this, a sent or failed notification keeps who, what template and why, not the text."""
    record_retention_days: float = Field(365.0, alias="NOTIFICATIONS_RECORD_RETENTION_DAYS", gt=0)
    """After this, a sent or failed notification (its recipient's address and name) is deleted."""

    school_link_key: SecretStr | None = Field(None, alias="SCHOOL_LINK_KEY")
    """The secret brokerage seals the school's private link with in events (the same value as
    brokerage's). Unset: derived from ``JWT_SECRET``."""

    bookings_public_url: str | None = Field(None, alias="BOOKINGS_PUBLIC_URL")
    bookings_port: int = Field(8001, alias="BOOKINGS_PORT")
    brokerage_public_url: str | None = Field(None, alias="BROKERAGE_PUBLIC_URL")
    brokerage_port: int = Field(8002, alias="BROKERAGE_PORT")

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.max_attempts, self.retry_base_s, self.retry_max_s)

    def bookings_url(self) -> str:
        return self.public_url(self.bookings_public_url, self.bookings_port)

    def brokerage_url(self) -> str:
        return self.public_url(self.brokerage_public_url, self.brokerage_port)
