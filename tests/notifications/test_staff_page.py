"""The staff notifications page through HTTP on a real database and SMTP server: every filter
(person, event, course, request, status) narrows the list, paging keeps the filters, a filter
that cannot be read is a GOV.UK error, each alliance sees only its own, and an administrator
sends a failed notification again after confirming (CSRF), a coordinator cannot."""

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import httpx
import pytest
from aiosmtpd.controller import Controller

from devstack import free_port
from services.notifications.app import build_app
from services.notifications.config import NotificationsSettings
from shared.contracts import brokerage as r
from shared.contracts.bookings import BookingConfirmed
from shared.web.csrf import FIELD
from tests.brokerage.test_form import Page
from tests.notifications import factories as f
from tests.notifications.support import envelope, fast_delivery
from tests.notifications.test_delivery import Picky
from tests.support.stack import Stack

CONFIRMED = BookingConfirmed.event_type
SUBMITTED = r.RequestSubmitted.event_type


@dataclass
class Service:
    stack: Stack
    app: object
    client: httpx.AsyncClient

    async def record(self, data: object) -> None:
        runtime = self.app.state.runtime  # type: ignore[attr-defined]
        notifier = runtime.consumers[0].fallback
        async with runtime.transaction() as session:
            await notifier(session, envelope(data, uuid4()), data)

    async def page(self, headers: dict[str, str], **params: str) -> httpx.Response:
        return await self.client.get("/notifications/page", params=params, headers=headers)


@pytest.fixture(scope="module")
async def service(stack: Stack) -> AsyncIterator[Service]:
    port = free_port()
    controller = Controller(Picky(), hostname="127.0.0.1", port=port)
    controller.start()
    settings = stack.settings(
        NotificationsSettings,
        SMTP_PORT=port,
        NOTIFICATIONS_DATABASE_URL=await stack.migrated_database("notifications", "staffpage"),
        **fast_delivery(NOTIFICATIONS_MAX_ATTEMPTS=1),
    )
    app = build_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Service(stack, app, client)
    finally:
        await app.state.runtime.engine.dispose()
        controller.stop()


@dataclass
class World:
    alliance: str
    admin: dict[str, str]
    coordinator: dict[str, str]
    refused: BookingConfirmed
    other: BookingConfirmed
    request: r.RequestSubmitted


async def world(service: Service) -> World:
    """In a new alliance: a booking whose participant's mailbox refuses mail (failed), another
    booking on another course (sent), a support request (sent); and one in another alliance."""
    alliance = f"tsa-{secrets.token_hex(4)}"
    run = f.tag()
    refused = f.confirmed(run, alliance)
    participant = refused.booking.participant.model_copy(
        update={"email": f"refused.{run}@school.example"}
    )
    refused = refused.model_copy(
        update={"booking": refused.booking.model_copy(update={"participant": participant})}
    )
    other = f.confirmed(f.tag(), alliance)
    info = f.request_info(f.tag(), alliance).model_copy(
        update={"reference": f"SR-2026-{secrets.randbelow(10**6):06d}"}
    )
    request = r.RequestSubmitted(request=info)
    for data in (refused, other, request, f.confirmed(f.tag(), "another-tsa")):
        await service.record(data)
    await service.app.state.dispatch.sweep()  # type: ignore[attr-defined]
    return World(
        alliance,
        service.stack.auth("alliance_admin", alliance),
        service.stack.auth("coordinator", alliance),
        refused,
        other,
        request,
    )


def rows(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return len(Page(response.text).all("tr")) - 1  # the header row


async def test_every_filter_narrows_the_list(service: Service) -> None:
    w = await world(service)
    everything = await service.page(w.coordinator)
    # refused: participant + lead; other: participant + lead; request: school + 2 coordinators
    assert rows(everything) == 7
    assert "another-tsa" not in everything.text
    assert "7 notifications" in Page(everything.text).plain

    by_person = await service.page(w.coordinator, recipient=w.other.booking.participant.email)
    assert rows(by_person) == 1 and w.other.booking.participant.email in by_person.text

    by_event = await service.page(w.coordinator, event_type=SUBMITTED)
    assert rows(by_event) == 3 and w.request.request.reference in by_event.text

    by_course = await service.page(w.coordinator, course=str(w.refused.course.course_id))
    assert rows(by_course) == 2 and w.other.booking.participant.email not in by_course.text

    reference = w.request.request.reference
    assert rows(await service.page(w.coordinator, request=reference.lower())) == 3
    assert rows(await service.page(w.coordinator, request=str(w.request.request.request_id))) == 3

    failed = await service.page(w.coordinator, status="failed")
    assert rows(failed) == 1 and w.refused.booking.participant.email in failed.text
    assert "SMTP 550" in failed.text

    both = await service.page(w.coordinator, status="sent", event_type=CONFIRMED)
    assert rows(both) == 3

    # What a browser sends with nothing filled in.
    blank = {k: "" for k in ("recipient", "event_type", "course", "request", "status")}
    assert rows(await service.page(w.coordinator, **blank)) == 7


async def test_paging_keeps_the_filters(service: Service) -> None:
    w = await world(service)
    first = await service.page(w.coordinator, event_type=CONFIRMED, limit="3")
    assert rows(first) == 3
    page = Page(first.text)
    assert "page 1 of 2" in page.plain
    [following] = [a["href"] for a in page.all("a") if a.get("href", "").find("offset=3") > 0]
    assert "event_type=" in following
    second = await service.client.get(following, headers=w.coordinator)
    assert rows(second) == 1 and "page 2 of 2" in Page(second.text).plain
    assert w.request.request.reference not in second.text


async def test_a_filter_that_cannot_be_read_is_a_govuk_error(service: Service) -> None:
    w = await world(service)
    bad = await service.page(
        w.coordinator, course="not-an-id", request="nonsense", status="lost", event_type="x"
    )
    assert bad.status_code == 422
    page = Page(bad.text)
    assert page.one("div", **{"class": "error-summary"}, role="alert")
    summary = [
        a["href"]
        for a in page.all("a")
        if a.get("href", "").startswith("#") and a["href"] != "#main-content"
    ]
    assert summary == ["#event_type", "#course", "#request", "#status"]
    assert page.one("input", name="course")["value"] == "not-an-id"
    assert page.one("input", name="course")["aria-describedby"] == "course-hint course-error"
    assert bad.text.split("<title>")[1].startswith("Error:")


async def test_an_administrator_sends_a_failed_one_again_after_confirming(
    service: Service,
) -> None:
    w = await world(service)
    failed = await service.page(w.admin, status="failed")
    [link] = [a["href"] for a in Page(failed.text).all("a") if a.get("href", "").endswith("/retry")]
    notification_id = UUID(link.split("/")[3])

    # A coordinator sees no such link and may not send again; another alliance finds nothing.
    assert "/retry" not in (await service.page(w.coordinator, status="failed")).text
    assert (await service.client.get(link, headers=w.coordinator)).status_code == 403
    stranger = service.stack.auth("alliance_admin", "another-tsa")
    assert (await service.client.get(link, headers=stranger)).status_code == 404

    confirm = await service.client.get(link, headers=w.admin)
    assert confirm.status_code == 200
    page = Page(confirm.text)
    assert "Send this notification again?" in page.plain and "SMTP 550" in page.plain
    token = page.one("input", name=FIELD)["value"]

    forged = await service.client.post(link, data={FIELD: "1.x"}, headers=w.admin)
    assert forged.status_code == 403 and "did not come from this page" in forged.text

    async def status() -> str:
        one = await service.client.get(f"/notifications/{notification_id}", headers=w.admin)
        return str(one.json()["status"])

    assert await status() == "failed"
    done = await service.client.post(link, data={FIELD: token}, headers=w.admin)
    assert done.status_code == 200, done.text
    assert "will be sent again" in Page(done.text).plain
    assert await status() == "pending"
    again = await service.client.post(link, data={FIELD: token}, headers=w.admin)
    assert again.status_code == 409 and "not failed" in again.text
