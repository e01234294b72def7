"""The bookings service: HTTP API (JSON and HTML), outbox relay and the offer-expiry job."""

import asyncio
import hashlib
import hmac
import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.bookings.api import bookings, courses, schools
from services.bookings.clock import Clock, SystemClock
from services.bookings.config import BookingsConfig
from services.bookings.context import BookingsContext
from services.bookings.service_layer.waitlist import run_offer_expiry
from services.bookings.tables import metadata
from services.bookings.web import pages
from shared.runtime import ServiceRuntime
from shared.settings import Settings, get_settings
from shared.web.app import create_app
from shared.web.ratelimit import RateLimit

SERVICE = "bookings"


def csrf_key(settings: Settings) -> bytes:
    """Shared by every replica and restart: derived from the signing secret, never the secret."""
    if settings.jwt_secret is None:
        return secrets.token_bytes(32)
    root = settings.jwt_secret.get_secret_value().encode()
    return hmac.new(root, b"alliance-bookings:csrf", hashlib.sha256).digest()


def build_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    config: BookingsConfig | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    runtime = ServiceRuntime(SERVICE, settings, metadata)
    ctx = BookingsContext(runtime, clock or SystemClock(), config or BookingsConfig())
    runtime.background.append(
        lambda: asyncio.create_task(run_offer_expiry(ctx), name="offer-expiry")
    )
    app = create_app(
        runtime,
        title="Alliance bookings",
        description="CPD course catalogue and bookings: capacity, waiting list, cancellations.",
    )
    app.state.bookings = ctx
    app.state.catalogue_rate_limit = RateLimit(
        settings.public_rate_limit_per_minute, "catalogue"
    ).dependency()
    app.state.csrf_key = csrf_key(settings)
    for router in (courses.router, bookings.router, schools.router, pages.router):
        app.include_router(router)
    static = Path(__file__).parent / "web" / "static"
    app.mount("/catalogue/static", StaticFiles(directory=static), name="static")
    return app
