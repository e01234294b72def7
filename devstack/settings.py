"""What the dev stack reads: the kernel's settings, its own, and every service's (it composes
the whole system, so it knows the services by name)."""

from pydantic import Field
from pydantic_settings import BaseSettings

from services.bookings.config import BookingsSettings
from services.brokerage.config import BrokerageSettings
from services.finance.config import FinanceSettings
from services.notifications.config import NotificationsSettings
from shared.settings import ServiceSettings, Settings

SERVICE_SETTINGS: dict[str, type[ServiceSettings]] = {
    "bookings": BookingsSettings,
    "brokerage": BrokerageSettings,
    "finance": FinanceSettings,
    "notifications": NotificationsSettings,
}
SERVICES = tuple(SERVICE_SETTINGS)
AFTER_THE_BOOKING = ("notifications", "finance")
"""Services whose work follows a booking (its emails, its ledger entries) rather than answers
it: on one machine they yield the processors to the booking path under a burst, and catch up."""


class StackSettings(Settings):
    """Where ``alliance up`` starts the parts it runs itself, and whether it loads demo data."""

    kafka_port: int = Field(9092, alias="ALLIANCE_KAFKA_PORT")
    postgres_port: int = Field(5433, alias="ALLIANCE_POSTGRES_PORT")
    oidc_port: int = Field(9400, alias="ALLIANCE_OIDC_PORT")
    demo_data: bool = Field(True, alias="ALLIANCE_DEMO_DATA")
    smtp_host: str | None = Field(None, alias="SMTP_HOST")
    smtp_port: int = Field(8025, alias="SMTP_PORT")
    after_the_booking_nice: int = Field(10, ge=0, le=19, alias="ALLIANCE_AFTER_THE_BOOKING_NICE")


def updated(settings: BaseSettings, values: dict[str, object]) -> BaseSettings:
    """``settings`` with those of ``values`` that it has (by field name)."""
    own = {name: value for name, value in values.items() if name in type(settings).model_fields}
    return settings.model_copy(update=own) if own else settings
