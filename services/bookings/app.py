"""The bookings service's composition root: the only module that wires the runtime, the routers,
the pages, the offer-expiry worker and the reminder scheduler."""

import secrets
from datetime import timedelta

from fastapi import FastAPI

from services.bookings.api import bookings, courses, personal_data, running, schools, staff
from services.bookings.config import BookingsSettings
from services.bookings.tables import idempotency_keys, metadata
from services.bookings.usecases.booking import outcome_counter
from services.bookings.usecases.context import BookingsContext
from services.bookings.usecases.erasure import ParticipantRetention
from services.bookings.usecases.offers import offer_expiry_worker
from services.bookings.usecases.people import identity_of
from services.bookings.usecases.personal_data import RecordAnswers
from services.bookings.usecases.reminders import reminder_worker
from services.bookings.usecases.subject_access import ExportRetention
from services.bookings.web import (
    admin_bookings,
    admin_courses,
    admin_running,
    admin_schools,
    admin_staff,
    catalogue,
    pages,
    places,
    privacy,
    school_lead,
)
from shared.clock import Clock, SystemClock
from shared.contracts import topics
from shared.contracts.privacy import ANSWERS
from shared.identity import Identity, Person
from shared.runtime import ServiceRuntime
from shared.web.app import create_app
from shared.web.csrf import Csrf, CsrfMiddleware, derive_key
from shared.web.ratelimit import RateLimit
from shared.web.signin import install_signin

SERVICE = "bookings"
CONSUMER_GROUP = "bookings"


def csrf_key(settings: BookingsSettings) -> bytes:
    """Shared by every replica and restart: derived from the signing secret, never the secret."""
    if settings.jwt_secret is None:
        return secrets.token_bytes(32)
    return derive_key(settings.jwt_secret.get_secret_value(), "bookings:csrf")


def build_app(settings: BookingsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or BookingsSettings()
    runtime = ServiceRuntime(SERVICE, settings, metadata)
    ctx = BookingsContext(runtime, clock or SystemClock(), settings)
    outcome_counter(runtime.metrics)  # exported from the start, before the first booking
    expiry = runtime.add_worker(offer_expiry_worker(ctx))
    reminders = runtime.add_worker(reminder_worker(ctx))
    runtime.add_pruner(
        runtime.pruner.expired(
            idempotency_keys,
            idempotency_keys.c.created_at,
            timedelta(hours=settings.idempotency_retention_hours),
            (idempotency_keys.c.scope, idempotency_keys.c.key),
        )
    )
    retention = timedelta(days=settings.participant_retention_days)
    runtime.add_pruner(ParticipantRetention(ctx, retention).step)
    exports = timedelta(hours=settings.export_retention_hours)
    runtime.add_pruner(ExportRetention(ctx, exports).step)
    answers = runtime.consumer(CONSUMER_GROUP)
    answers.on(*ANSWERS)(RecordAnswers(ctx))
    answers.subscribe(topics.PRIVACY_EVENTS)
    app = create_app(
        runtime,
        title="Alliance bookings",
        description="CPD course catalogue and bookings: capacity, waiting list, cancellations.",
    )
    app.state.bookings = ctx
    app.state.offer_expiry = expiry
    app.state.reminders = reminders
    app.state.catalogue_rate_limit = RateLimit.for_api(settings, "catalogue").dependency()
    app.state.csrf = Csrf(csrf_key(settings))
    app.add_middleware(CsrfMiddleware, csrf=app.state.csrf)

    async def resolve(_: object, person: Person) -> Identity:
        return await identity_of(ctx, person)

    # Routes are matched in order: the bookings API first (a booking is the request a crowd
    # sends), the catalogue's own paths (/catalogue/matrix) before /catalogue/{course_id}.
    routers = (bookings, courses, running, schools, staff, personal_data, catalogue, privacy, pages)
    routers += (admin_courses, admin_bookings, admin_running, admin_schools, admin_staff)
    routers += (places, school_lead)
    for router in (module.router for module in routers):
        app.include_router(router)
    install_signin(app, settings, SERVICE, resolve)  # /signin, /auth/callback, /signout
    return app
