"""The notifications service: HTTP API, staff page, event consumer and mail senders in one process.

The composition root: the only module that wires the runtime, the adapters (renderer, mailer),
the use cases, the routers, the consumer and the senders' worker.
"""

from datetime import timedelta

from fastapi import FastAPI
from prometheus_client import Gauge

from services.notifications import repository
from services.notifications.api.routes import router as api_router
from services.notifications.config import NotificationsSettings
from services.notifications.domain.identity import mail_domain
from services.notifications.domain.recipients import emails_anyone
from services.notifications.mail.mailer import Mailer
from services.notifications.mail.rendering import Links, Renderer
from services.notifications.tables import metadata
from services.notifications.usecases.dispatch import Dispatch
from services.notifications.usecases.people import identity_of, keep_staff
from services.notifications.usecases.personal_data import (
    ErasedAddressRetention,
    RecordRetention,
    answers,
)
from services.notifications.usecases.record import RecordNotifications
from services.notifications.usecases.retention import BodyRetention
from services.notifications.usecases.staff_log import StaffLog
from services.notifications.web.pages import router as page_router
from services.notifications.web.retry import router as retry_router
from shared.contracts import topics
from shared.contracts.brokerage import SCHOOL_LINK_SEAL_PURPOSE
from shared.contracts.envelope import CloudEvent
from shared.contracts.privacy import ANSWERS, PersonalDataRequested
from shared.contracts.staff import StaffMemberAppointed, StaffMemberRemoved
from shared.identity import Identity, Person
from shared.observability.metrics import Refresh
from shared.runtime import ServiceRuntime
from shared.sealed import Sealer, secret_text
from shared.web.app import create_app
from shared.web.csrf import Csrf, CsrfMiddleware, derive_key
from shared.web.signin import install_signin, session_key
from shared.web.startpage import start_router
from shared.workers import Worker

SERVICE = "notifications"
CONSUMER_GROUP = "notifications"


def failed_notifications(runtime: ServiceRuntime) -> Refresh:
    """The gauge of notifications that gave up (staff may requeue them), read at scrape time."""
    gauge = Gauge(
        "alliance_notifications_failed",
        "Notifications now failed (given up; staff may send them again)",
        registry=runtime.metrics.registry,
    )

    async def refresh() -> None:
        async with runtime.sessions() as session:
            gauge.set(await repository.count_failed(session))

    return refresh


def build_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime(SERVICE, settings, metadata)

    mailer = Mailer(settings, timeout_s=settings.smtp_timeout_s, keep_connections=settings.senders)
    runtime.add_closer(mailer.close)
    dispatch = Dispatch(
        runtime.sessions, mailer, settings.retry_policy(), runtime.metrics, settings.send_batch
    )
    runtime.metrics.on_scrape("notifications", failed_notifications(runtime))
    senders = runtime.add_worker(
        Worker(
            "notifications-sender",
            dispatch.send_batch,
            interval_s=settings.poll_interval_s,
            concurrency=settings.senders,
        )
    )

    retention = timedelta(days=settings.body_retention_days)
    runtime.add_pruner(BodyRetention(runtime.sessions, runtime.clock, retention).step)
    records = timedelta(days=settings.record_retention_days)
    runtime.add_pruner(RecordRetention(runtime.sessions, runtime.clock, records).step)
    replayable = timedelta(days=settings.inbox_retention_days)
    runtime.add_pruner(ErasedAddressRetention(runtime.sessions, runtime.clock, replayable).step)

    async def after_commit(event: CloudEvent) -> None:
        """Wake whoever has new work: the senders after an event that can email someone (a
        course or staff change gives no email), the relay after a personal-data request (its
        answer waits in the outbox). Both also look on their own every poll interval."""
        if emails_anyone(event.type):
            senders.wake()
        if event.type == PersonalDataRequested.event_type:
            runtime.relay.wake()

    async def not_ours(*_: object) -> None:
        """Another service's answer to bookings: nothing to do here."""

    link_key = secret_text(settings.school_link_key, settings.jwt_secret)
    unseal = Sealer(link_key, SCHOOL_LINK_SEAL_PURPOSE).open if link_key else (lambda _: None)
    renderer = Renderer(
        Links(bookings=settings.bookings_url(), brokerage=settings.brokerage_url(), private=unseal)
    )
    consumer = runtime.consumer(CONSUMER_GROUP, after_commit=after_commit)
    consumer.on(StaffMemberAppointed, StaffMemberRemoved)(keep_staff)
    consumer.on(PersonalDataRequested)(answers(runtime.outbox, runtime.clock))
    consumer.on(*ANSWERS)(not_ours)
    consumer.on_any(RecordNotifications(renderer, mail_domain(settings.mail_from)))
    consumer.subscribe(
        topics.BOOKINGS_EVENTS,
        topics.BROKERAGE_EVENTS,
        topics.PRIVACY_EVENTS,
        topics.FINANCE_EVENTS,
    )

    app = create_app(
        runtime,
        title="Alliance notifications",
        description="Emails every booking and brokerage event to the people it concerns, "
        "exactly once, and keeps a record of what was sent.",
    )
    app.state.dispatch = dispatch
    app.state.renderer = renderer  # the emails' links are audited against the services' pages
    app.state.senders = senders
    app.state.staff_log = StaffLog(runtime.sessions, requeued=senders.wake)

    async def resolve(_: object, person: Person) -> Identity:
        return await identity_of(runtime.sessions, person)

    install_signin(app, settings, SERVICE, resolve)
    app.include_router(start_router("Alliance notifications", {"Sent mail": "/notifications/page"}))
    # The page first: "/notifications/page" must not be read as a notification id.
    app.include_router(page_router)
    app.include_router(retry_router)
    app.state.csrf = Csrf(
        derive_key(session_key(settings), "notifications-forms"),
        secure=settings.service_url().startswith("https://"),
    )
    app.add_middleware(CsrfMiddleware, csrf=app.state.csrf)
    app.include_router(api_router)
    return app
