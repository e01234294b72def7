"""Delivery outcomes against a real SMTP server that refuses some recipients for good or for now.

The app runs without its lifespan (no broker): notifications are recorded through the handler,
sent by one dispatch sweep, and read back through the staff API.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from uuid import uuid4

import httpx
import pytest
from aiosmtpd.controller import Controller

from devstack import free_port
from services.notifications.app import build_app
from services.notifications.config import NotificationsSettings
from shared.contracts.bookings import BookingConfirmed
from tests.notifications import factories as f
from tests.notifications.support import envelope, fast_delivery
from tests.support.stack import Stack
from tests.support.wait import eventually


@dataclass
class Picky:
    """Refuses ``refused.*`` for good (550) and ``later.*`` for now (451); keeps the rest."""

    received: list[Message] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address.startswith("refused."):
            return "550 5.1.1 No such mailbox here"
        if address.startswith("later."):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture(scope="module")
async def picky(stack: Stack) -> AsyncIterator[tuple[Picky, object, httpx.AsyncClient]]:
    handler = Picky()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = stack.settings(
        NotificationsSettings,
        SMTP_PORT=port,
        NOTIFICATIONS_DATABASE_URL=await stack.migrated_database("notifications", "delivery"),
        **fast_delivery(NOTIFICATIONS_MAX_ATTEMPTS=2, NOTIFICATIONS_RETRY_BASE_S=0.5),
    )
    app = build_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield handler, app, client
    finally:
        await app.state.runtime.engine.dispose()
        controller.stop()


async def record(app, data) -> None:
    runtime = app.state.runtime
    notifier = runtime.consumers[0].fallback
    async with runtime.transaction() as session:
        await notifier(session, envelope(data, uuid4()), data)


def confirmed_for(participant_prefix: str, lead_prefix: str) -> BookingConfirmed:
    run = f.tag()
    booking = f.booking(run, booker_is_lead=True)
    participant = booking.participant.model_copy(
        update={"email": f"{participant_prefix}.{run}@school.example"}
    )
    lead = booking.cpd_lead.model_copy(update={"email": f"{lead_prefix}.{run}@school.example"})
    booking = booking.model_copy(
        update={"participant": participant, "cpd_lead": lead, "booker": lead}
    )
    return BookingConfirmed(course=f.course(), booking=booking)


async def by_recipient(client: httpx.AsyncClient, stack: Stack, email: str) -> dict:
    response = await client.get(
        "/notifications",
        params={"recipient": email},
        headers=stack.auth("alliance_admin", "odyssey-tsa"),
    )
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    return item


async def test_a_refused_recipient_fails_at_once_visibly_and_others_still_go(
    stack: Stack, picky
) -> None:
    handler, app, client = picky
    data = confirmed_for("refused", "fine")
    await record(app, data)
    await app.state.dispatch.sweep()

    refused = await by_recipient(client, stack, data.booking.participant.email)
    assert refused["status"] == "failed"
    assert refused["attempts"] == 1
    assert "SMTP 550" in refused["last_error"]
    assert refused["failed_at"] is not None
    fine = await by_recipient(client, stack, data.booking.cpd_lead.email)
    assert fine["status"] == "sent"
    [mail] = [m for m in handler.received if m["Message-ID"] == fine["message_id"]]
    assert data.booking.cpd_lead.email in mail["To"]

    page = await client.get(
        "/notifications/page",
        params={"status": "failed"},
        headers=stack.auth("coordinator", "odyssey-tsa"),
    )
    assert "Failed" in page.text and "SMTP 550" in page.text


async def test_a_temporary_refusal_is_retried_with_backoff_then_given_up(
    stack: Stack, picky
) -> None:
    _, app, client = picky
    data = confirmed_for("later", "fine")
    await record(app, data)
    await app.state.dispatch.sweep()

    later = await by_recipient(client, stack, data.booking.participant.email)
    assert later["status"] == "pending"
    assert later["attempts"] == 1
    assert "SMTP 451" in later["last_error"]
    assert later["next_attempt_at"] > later["created_at"]

    async def given_up() -> dict | None:
        await app.state.dispatch.sweep()
        item = await by_recipient(client, stack, data.booking.participant.email)
        return item if item["status"] == "failed" else None

    failed = await eventually(given_up, message="the second temporary failure ends it", timeout=10)
    assert failed["attempts"] == 2


async def test_staff_can_send_a_failed_notification_again(stack: Stack, picky) -> None:
    _, app, client = picky
    data = confirmed_for("refused", "fine")
    await record(app, data)
    await app.state.dispatch.sweep()
    failed = await by_recipient(client, stack, data.booking.participant.email)
    admin = stack.auth("alliance_admin", "odyssey-tsa")

    other_tenant = await client.post(
        f"/notifications/{failed['id']}/retry",
        headers=stack.auth("alliance_admin", "forest-way-tsa"),
    )
    assert other_tenant.status_code == 404
    again = await client.post(f"/notifications/{failed['id']}/retry", headers=admin)
    assert again.status_code == 202
    assert again.json()["status"] == "pending" and again.json()["attempts"] == 0
    sent = await by_recipient(client, stack, data.booking.cpd_lead.email)
    conflict = await client.post(f"/notifications/{sent['id']}/retry", headers=admin)
    assert conflict.status_code == 409


async def test_the_staff_page_filter_form_treats_empty_fields_as_any(stack: Stack, picky) -> None:
    _, app, client = picky
    data = confirmed_for("refused", "fine")
    await record(app, data)
    await app.state.dispatch.sweep()
    coordinator = stack.auth("coordinator", "odyssey-tsa")
    refused = data.booking.participant.email

    # What a browser sends for the form with nothing filled in, then with only a status chosen.
    blank = {"recipient": "", "event_id": "", "status": ""}
    everything = await client.get("/notifications/page", params=blank, headers=coordinator)
    assert everything.status_code == 200, everything.text
    assert refused in everything.text and data.booking.cpd_lead.email in everything.text

    failed = await client.get(
        "/notifications/page", params={**blank, "status": "failed"}, headers=coordinator
    )
    assert failed.status_code == 200, failed.text
    assert refused in failed.text and data.booking.cpd_lead.email not in failed.text

    mine = await client.get(
        "/notifications/page",
        params={**blank, "recipient": refused, "event_type": " "},
        headers=coordinator,
    )
    assert mine.status_code == 200 and "1 notification," in mine.text

    bad = await client.get(
        "/notifications/page", params={**blank, "event_id": "not-an-id"}, headers=coordinator
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert 'href="#event_id"' in bad.text and "Enter the event" in bad.text
