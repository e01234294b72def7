"""The bookings service's composition root: the only module that wires the runtime, the routers,
the pages and the offer-expiry worker."""

import asyncio
import secrets

from fastapi import FastAPI

from services.bookings.api import bookings, courses, schools, staff
from services.bookings.config import BookingsConfig
from services.bookings.tables import metadata
from services.bookings.usecases.booking import outcome_counter
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.offers import offer_expiry_worker
from services.bookings.usecases.people import identity_of
from services.bookings.web import catalogue, pages
from shared.clock import Clock, SystemClock
from shared.identity import Identity, Person
from shared.runtime import ServiceRuntime
from shared.settings import Settings, get_settings
from shared.web.app import create_app
from shared.web.csrf import Csrf, CsrfMiddleware, derive_key
from shared.web.ratelimit import RateLimit
from shared.web.signin import install_signin
from shared.workers import Worker

SERVICE = "bookings"


def csrf_key(settings: Settings) -> bytes:
    """Shared by every replica and restart: derived from the signing secret, never the secret."""
    if settings.jwt_secret is None:
        return secrets.token_bytes(32)
    return derive_key(settings.jwt_secret.get_secret_value(), "bookings:csrf")


async def run_until_cancelled(worker: Worker) -> None:
    """The worker as a runtime background task: it runs while the service does."""
    worker.start()
    try:
        await asyncio.Event().wait()
    finally:
        await worker.stop()


def build_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    config: BookingsConfig | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    runtime = ServiceRuntime(SERVICE, settings, metadata)
    ctx = BookingsContext(runtime, clock or SystemClock(), config or BookingsConfig())
    outcome_counter(runtime.metrics)  # exported from the start, before the first booking
    expiry = offer_expiry_worker(ctx)
    runtime.background.append(lambda: asyncio.create_task(run_until_cancelled(expiry)))
    app = create_app(
        runtime,
        title="Alliance bookings",
        description="CPD course catalogue and bookings: capacity, waiting list, cancellations.",
    )
    app.state.bookings = ctx
    app.state.offer_expiry = expiry
    app.state.catalogue_rate_limit = RateLimit(
        settings.public_rate_limit_per_minute, "catalogue"
    ).dependency()
    app.state.csrf = Csrf(csrf_key(settings))
    app.add_middleware(CsrfMiddleware, csrf=app.state.csrf)

    async def resolve(_: object, person: Person) -> Identity:
        return await identity_of(ctx, person)

    install_signin(app, settings, SERVICE, resolve)
    # The catalogue's own paths (/catalogue/matrix) before /catalogue/{course_id}.
    routers = (courses, bookings, schools, staff, catalogue, pages)
    for router in (module.router for module in routers):
        app.include_router(router)
    return app
