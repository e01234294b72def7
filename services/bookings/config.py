"""Settings only the bookings service reads (the platform's live in ``shared.settings``)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BookingsConfig(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_prefix="")

    offer_expiry_interval_s: float = Field(1.0, alias="BOOKINGS_OFFER_EXPIRY_INTERVAL_S", gt=0)
