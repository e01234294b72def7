"""The notifications service: HTTP API, outbox relay and event consumers in one process."""

from fastapi import FastAPI

from services.notifications.tables import metadata
from shared.runtime import ServiceRuntime
from shared.settings import Settings, get_settings
from shared.web.app import create_app

SERVICE = "notifications"


def build_app(settings: Settings | None = None) -> FastAPI:
    runtime = ServiceRuntime(SERVICE, settings or get_settings(), metadata)
    return create_app(runtime, title="Alliance notifications")
