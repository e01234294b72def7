"""Settings of the notifications service beyond the shared ones (SMTP_*, MAIL_FROM)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.notifications.domain.retry import RetryPolicy


class DeliverySettings(BaseSettings):
    """How the dispatcher sends: timeouts, retries, parallelism."""

    model_config = SettingsConfigDict(extra="ignore", env_prefix="")

    smtp_timeout_s: float = Field(10.0, alias="NOTIFICATIONS_SMTP_TIMEOUT_S", gt=0)
    max_attempts: int = Field(8, alias="NOTIFICATIONS_MAX_ATTEMPTS", ge=1)
    retry_base_s: float = Field(5.0, alias="NOTIFICATIONS_RETRY_BASE_S", gt=0)
    retry_max_s: float = Field(600.0, alias="NOTIFICATIONS_RETRY_MAX_S", gt=0)
    senders: int = Field(4, alias="NOTIFICATIONS_SENDERS", ge=1, le=32)
    poll_interval_s: float = Field(1.0, alias="NOTIFICATIONS_POLL_INTERVAL_S", gt=0)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.max_attempts, self.retry_base_s, self.retry_max_s)
