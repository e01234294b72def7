"""Settings of the notifications service beyond the shared ones (SMTP_*, MAIL_FROM)."""

from services.notifications.domain.retry import RetryPolicy
from shared.settings import DeliverySettings as _Delivery


class DeliverySettings(_Delivery):
    """How the dispatcher sends: timeouts, retries, parallelism."""

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.max_attempts, self.retry_base_s, self.retry_max_s)
