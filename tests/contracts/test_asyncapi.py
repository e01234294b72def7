"""The AsyncAPI documents FastStream generates: every published event type and every
subscription is described, and none disappears (a removed event type needs a new version)."""

import json
from importlib import import_module
from pathlib import Path

import pytest

from devstack.settings import SERVICES
from tests.contracts.openapi import settings_for_documents
from tests.contracts.snapshot import current_schemas

RECORDED = json.loads(Path(__file__).with_name("asyncapi.operations.json").read_text())


def operations(service: str) -> set[str]:
    app = import_module(f"services.{service}.app").build_app(settings_for_documents(service))
    return set(app.state.runtime.asyncapi()["operations"])


@pytest.mark.parametrize("service", SERVICES)
def test_no_recorded_operation_disappears(service: str) -> None:
    assert set(RECORDED[service]) <= operations(service)


def test_every_published_event_type_is_documented() -> None:
    documented = operations("bookings") | operations("brokerage")
    assert set(current_schemas()) <= documented


def test_notifications_documents_what_it_consumes() -> None:
    consumed = " ".join(operations("notifications"))
    assert "bookings.events.v1" in consumed
    assert "brokerage.events.v1" in consumed
