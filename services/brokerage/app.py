"""The brokerage service's composition root: the only module that wires the runtime, the use
cases' context, the routers and the middleware."""

from datetime import timedelta

from fastapi import FastAPI

from services.brokerage.api import directory, requests
from services.brokerage.api import school_link as school_link_api
from services.brokerage.api.bodylimit import BodyLimit
from services.brokerage.api.schemas import SupportRequestIn
from services.brokerage.config import BrokerageSettings, root_secret
from services.brokerage.tables import metadata
from services.brokerage.usecases.context import Context
from services.brokerage.usecases.links import SchoolLinks
from services.brokerage.usecases.people import identity_of, keep_staff
from services.brokerage.usecases.personal_data import ContactRetention, answers
from services.brokerage.usecases.reminders import reminder_worker
from services.brokerage.usecases.rollover import rollover_worker
from services.brokerage.web import (
    coordinator,
    directory_pages,
    form,
    fresh_link,
    request_page,
    revoke_link,
    school,
    signed,
    sle,
    start,
)
from shared.clock import Clock, SystemClock
from shared.contracts import topics
from shared.contracts.brokerage import SCHOOL_LINK_SEAL_PURPOSE
from shared.contracts.envelope import CloudEvent
from shared.contracts.privacy import PersonalDataRequested
from shared.contracts.staff import StaffMemberAppointed, StaffMemberRemoved
from shared.identity import Identity, Person
from shared.runtime import ServiceRuntime
from shared.sealed import Sealer, secret_text
from shared.web.app import create_app
from shared.web.csrf import Csrf, CsrfMiddleware, derive_key
from shared.web.signin import install_signin

SERVICE = "brokerage"
CONSUMER_GROUP = "brokerage"
MAX_BODY_BYTES = 64 * 1024


def build_context(runtime: ServiceRuntime, settings: BrokerageSettings | None = None) -> Context:
    if settings is None:
        given = runtime.settings
        settings = given if isinstance(given, BrokerageSettings) else BrokerageSettings()
    seal_with = secret_text(settings.school_link_key, settings.jwt_secret) or root_secret(settings)
    links = SchoolLinks(
        root_secret(settings),
        settings.service_url(),
        lifetime=timedelta(days=settings.school_link_days),
        now=runtime.clock.now,
        sealer=Sealer(seal_with, SCHOOL_LINK_SEAL_PURPOSE),
    )
    return Context(
        runtime,
        links,
        lock_timeout_ms=settings.lock_timeout_ms,
        visit_log_working_days=settings.visit_log_working_days,
        public_url=settings.service_url(),
    )


def build_app(settings: BrokerageSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or BrokerageSettings()
    runtime = ServiceRuntime(SERVICE, settings, metadata, clock=clock or SystemClock())
    context = build_context(runtime, settings)
    reminders = runtime.add_worker(reminder_worker(context, settings.scheduler_interval_s))
    rollover = runtime.add_worker(rollover_worker(runtime, settings.scheduler_interval_s))
    retention = timedelta(days=settings.contact_retention_days)
    runtime.add_pruner(ContactRetention(runtime, retention).step)
    app = create_app(
        runtime,
        title="Alliance brokerage",
        description="SLE directory, schools' support requests, matching and deployments.",
    )
    app.state.context = context
    app.state.reminders, app.state.rollover = reminders, rollover
    csrf = Csrf(
        derive_key(root_secret(settings), "brokerage-csrf"),
        secure=settings.public_base_url.startswith("https"),
    )
    app.state.csrf = csrf

    async def resolve(_: object, person: Person) -> Identity:
        return await identity_of(runtime.sessions, person)

    install_signin(app, settings, SERVICE, resolve)

    async def wake_relay(_: CloudEvent) -> None:
        runtime.relay.wake()  # a personal-data answer waits in the outbox

    consumer = runtime.consumer(CONSUMER_GROUP, after_commit=wake_relay)
    consumer.on(StaffMemberAppointed, StaffMemberRemoved)(keep_staff)
    consumer.on(PersonalDataRequested)(answers(runtime))
    consumer.subscribe(topics.BOOKINGS_EVENTS, topics.PRIVACY_EVENTS)
    app.include_router(start.router)
    app.include_router(form.build_router(settings.public_rate_limit_per_minute))
    app.include_router(school.router)
    # Before the JSON routes: "/support-requests/fresh-link" is no request id.
    app.include_router(fresh_link.build_router(settings.public_rate_limit_per_minute))
    app.include_router(school_link_api.router)
    app.include_router(revoke_link.router)
    for pages in (coordinator, request_page, sle, directory_pages):
        app.include_router(pages.router)
    for refusal in signed.PAGE_REFUSALS:
        app.add_exception_handler(refusal, signed.refused_page)
    app.include_router(directory.router)
    app.include_router(requests.router)
    app.add_middleware(CsrfMiddleware, csrf=csrf)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    _publish_schema(app)
    return app


def _publish_schema(app: FastAPI) -> None:
    """The support request body is parsed by hand (JSON or form): list its schema anyway."""
    original = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = original()
            defs = SupportRequestIn.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(defs.pop("$defs", {}))
            components["SupportRequestIn"] = defs
        return app.openapi_schema or schema

    app.openapi = openapi  # type: ignore[method-assign]
