"""The kernel's settings: a service's settings name their own variables."""

import pytest
from pydantic import Field

from services.bookings.config import BookingsSettings
from shared.settings import ConfigurationError, ServiceSettings, declared_services


def test_a_service_settings_class_must_name_its_own_variables() -> None:
    with pytest.raises(TypeError, match="own_public_url"):

        class Forgetful(ServiceSettings):
            database: str | None = Field(None, alias="FORGETFUL_DATABASE_URL")
            port: int = Field(8009, alias="FORGETFUL_PORT")


def test_a_missing_database_url_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOOKINGS_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="BOOKINGS_DATABASE_URL is not set"):
        BookingsSettings().database_url()


def test_links_go_to_the_public_url_or_the_base_with_the_port() -> None:
    settings = BookingsSettings(PUBLIC_BASE_URL="https://alliance.example", BOOKINGS_PORT=9001)
    assert settings.service_url() == "https://alliance.example:9001"
    behind = BookingsSettings(BOOKINGS_PUBLIC_URL="https://bookings.example/")
    assert behind.service_url() == "https://bookings.example"


def test_the_installation_declares_every_service() -> None:
    assert list(declared_services()) == ["bookings", "brokerage", "finance", "notifications"]
