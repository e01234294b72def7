"""The notifications service: HTTP API, event consumer and mail dispatcher in one process."""

from fastapi import FastAPI

from services.notifications.api.routes import router
from services.notifications.config import DeliverySettings
from services.notifications.dispatcher import Dispatcher
from services.notifications.domain.identity import mail_domain
from services.notifications.handlers import Notifier
from services.notifications.mailer import Mailer
from services.notifications.rendering import Links, Renderer
from services.notifications.tables import metadata
from shared.contracts import topics
from shared.runtime import ServiceRuntime
from shared.settings import Settings, get_settings
from shared.web.app import create_app

SERVICE = "notifications"
CONSUMER_GROUP = "notifications"


def build_app(
    settings: Settings | None = None, delivery: DeliverySettings | None = None
) -> FastAPI:
    settings = settings or get_settings()
    delivery = delivery or DeliverySettings()
    runtime = ServiceRuntime(SERVICE, settings, metadata)

    mailer = Mailer(settings, timeout_s=delivery.smtp_timeout_s)
    dispatcher = Dispatcher(
        runtime.sessions,
        mailer,
        delivery.retry_policy(),
        senders=delivery.senders,
        poll_interval_s=delivery.poll_interval_s,
    )
    runtime.background.append(dispatcher.start)

    renderer = Renderer(
        Links(
            bookings=settings.service_url("bookings"), brokerage=settings.service_url("brokerage")
        )
    )
    notifier = Notifier(renderer, mail_domain(settings.mail_from))
    consumer = runtime.consumer(CONSUMER_GROUP, after_commit=dispatcher.wake)
    consumer.on_any(notifier)
    consumer.subscribe(topics.BOOKINGS_EVENTS, topics.BROKERAGE_EVENTS)

    app = create_app(
        runtime,
        title="Alliance notifications",
        description="Emails every booking and brokerage event to the people it concerns, "
        "exactly once, and keeps a record of what was sent.",
    )
    app.state.dispatcher = dispatcher
    app.include_router(router)
    return app
