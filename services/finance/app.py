"""The finance service's composition root: the ledger's consumer, the API, the pages and
sign-in, wired to one runtime."""

import secrets

from fastapi import FastAPI

from services.finance.api.routes import router as api_router
from services.finance.config import FinanceSettings
from services.finance.domain.ledger import MONEY_EVENTS
from services.finance.tables import metadata
from services.finance.usecases.context import FinanceContext
from services.finance.usecases.ledger import record
from services.finance.usecases.people import identity_of, keep_staff
from services.finance.usecases.personal_data import answers
from services.finance.web.pages import router as page_router
from shared.clock import Clock, SystemClock
from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.privacy import PersonalDataRequested
from shared.contracts.staff import StaffMemberAppointed, StaffMemberRemoved
from shared.identity import Identity, Person
from shared.runtime import ServiceRuntime
from shared.web.app import create_app
from shared.web.csrf import Csrf, CsrfMiddleware, derive_key
from shared.web.signin import install_signin
from shared.web.startpage import start_router

SERVICE = "finance"
CONSUMER_GROUP = "finance"


def csrf_key(settings: FinanceSettings) -> bytes:
    if settings.jwt_secret is None:
        return secrets.token_bytes(32)
    return derive_key(settings.jwt_secret.get_secret_value(), "finance:csrf")


def build_app(settings: FinanceSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or FinanceSettings()
    runtime = ServiceRuntime(SERVICE, settings, metadata)
    ctx = FinanceContext(
        runtime, clock or SystemClock(), settings.service_url(), settings.lock_timeout_ms
    )

    async def wake_relay(event: CloudEvent) -> None:
        if event.type == PersonalDataRequested.event_type:
            runtime.relay.wake()  # its answer waits in the outbox; no other event writes there

    consumer = runtime.consumer(CONSUMER_GROUP, after_commit=wake_relay)
    consumer.on(StaffMemberAppointed, StaffMemberRemoved)(keep_staff)
    consumer.on(*MONEY_EVENTS)(record)
    consumer.on(PersonalDataRequested)(answers(runtime))
    consumer.subscribe(topics.BOOKINGS_EVENTS, topics.BROKERAGE_EVENTS, topics.PRIVACY_EVENTS)

    app = create_app(
        runtime,
        title="Alliance finance",
        description="What each school owes: a ledger of the money facts bookings and brokerage "
        "publish, statements (JSON, pages, CSV), and invoices numbered without gaps.",
    )
    app.state.finance = ctx
    app.state.csrf = Csrf(csrf_key(settings))
    app.add_middleware(CsrfMiddleware, csrf=app.state.csrf)

    async def resolve(_: object, person: Person) -> Identity:
        return await identity_of(runtime.sessions, person)

    install_signin(app, settings, SERVICE, resolve)
    app.include_router(start_router("Alliance finance", {"Money": "/finance"}))
    app.include_router(page_router)
    app.include_router(api_router)
    return app
