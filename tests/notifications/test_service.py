"""The running service on the real broker, database and SMTP server, read through the Maildir."""

from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from services.notifications.app import build_app
from services.notifications.config import NotificationsSettings
from shared.contracts import bookings as b
from shared.contracts import brokerage as r
from shared.contracts.envelope import CloudEvent
from shared.contracts.topics import BOOKINGS_EVENTS, dead_letter_topic
from tests.notifications import factories as f
from tests.notifications.support import (
    fast_delivery,
    html_part,
    mail_to,
    per_address,
    publish,
    publish_event,
    text_part,
    to_address,
    wait_for_mail,
)
from tests.support.apps import running_app
from tests.support.isolated import Isolated
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack
from tests.support.wait import eventually

DLQ = dead_letter_topic("notifications")


@pytest.fixture(scope="module")
async def client(
    stack: Stack, parts: Isolated, producer: AIOKafkaProducer
) -> AsyncIterator[httpx.AsyncClient]:
    settings = stack.settings(NotificationsSettings, **parts.overrides, **fast_delivery())
    async with running_app(build_app, settings) as (_, http):
        # Warm up: the consumer has joined its group once a first event comes through.
        warm = f.confirmed()
        await publish(producer, warm)
        await wait_for_mail(parts.maildir, warm.booking.participant.email, 1, timeout_s=60)
        yield http


def staff(stack: Stack, alliance: str = "odyssey-tsa") -> dict[str, str]:
    return stack.auth("alliance_admin", alliance)


async def listed(client: httpx.AsyncClient, stack: Stack, **params: object) -> dict:
    response = await client.get("/notifications", params=params, headers=staff(stack))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_confirmed_booking_mails_participant_and_lead_once_each_with_the_facts(
    stack: Stack, parts: Isolated, client: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    run = f.tag()
    data = f.confirmed(run)
    event = await publish(producer, data)

    mails = await wait_for_mail(parts.maildir, run, 2)
    assert per_address(mails) == {data.booking.participant.email: 1, data.booking.cpd_lead.email: 1}
    for mail in mails:
        text = text_part(mail)
        assert mail["Subject"] == f"Booking confirmed: {data.course.title}"
        assert "Tuesday 3 March 2026, 9:30am to 3:30pm" in text
        assert "Price: £45" in text
        assert data.booking.url in text
        assert 'lang="en-GB"' in html_part(mail)

    found = await listed(client, stack, event_id=str(event.id))
    assert found["total"] == 2
    assert {n["status"] for n in found["items"]} == {"sent"}
    assert {n["message_id"] for n in found["items"]} == {m["Message-ID"] for m in mails}
    assert {n["recipient_kind"] for n in found["items"]} == {"participant", "cpd_lead"}


async def test_staff_see_only_their_alliance_and_need_a_staff_role(
    stack: Stack, parts: Isolated, client: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    run = f.tag()
    data = f.confirmed(run, alliance_id="forest-way-tsa")
    event = await publish(producer, data)
    await wait_for_mail(parts.maildir, run, 2)
    params = {"event_id": str(event.id)}

    theirs = await client.get(
        "/notifications", params=params, headers=staff(stack, "forest-way-tsa")
    )
    assert theirs.json()["total"] == 2
    one = theirs.json()["items"][0]
    ours = await client.get("/notifications", params=params, headers=staff(stack, "odyssey-tsa"))
    assert ours.json()["total"] == 0
    detail = await client.get(f"/notifications/{one['id']}", headers=staff(stack, "forest-way-tsa"))
    assert detail.status_code == 200 and data.course.title in detail.json()["body_text"]
    hidden = await client.get(f"/notifications/{one['id']}", headers=staff(stack, "odyssey-tsa"))
    assert hidden.status_code == 404

    coordinator = stack.auth("coordinator", "forest-way-tsa")
    by_recipient = await client.get(
        "/notifications",
        params={"recipient": data.booking.participant.email.upper(), "status": "sent"},
        headers=coordinator,
    )
    assert [n["event_id"] for n in by_recipient.json()["items"]] == [str(event.id)]

    assert (await client.get("/notifications")).status_code == 401
    participant = stack.auth("participant", "forest-way-tsa")
    assert (await client.get("/notifications", headers=participant)).status_code == 403
    bad = await client.get("/notifications", params={"status": "lost"}, headers=coordinator)
    assert bad.status_code == 422

    page = await client.get("/notifications/page", params=params, headers=coordinator)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="en-GB">' in page.text and "<h1>Notifications</h1>" in page.text
    assert data.booking.participant.email in page.text and "Sent" in page.text


async def test_cancelling_a_course_mails_each_participant_and_lead_exactly_once(
    stack: Stack, parts: Isolated, client: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    run, course, n = f.tag(), f.course(), 5
    cancellations = [f.cancelled_by_alliance(f"{run}-{i}", course) for i in range(n)]
    for data in cancellations:
        await publish(producer, data)
    await publish(
        producer, b.CourseCancelled(course=course, reason="Too few", bookings_cancelled=n)
    )

    mails = await wait_for_mail(parts.maildir, run, 2 * n)
    expected = {d.booking.participant.email for d in cancellations}
    expected |= {d.booking.cpd_lead.email for d in cancellations}
    assert len(expected) == 2 * n
    assert per_address(mails) == dict.fromkeys(expected, 1)
    assert {m["Subject"] for m in mails} == {f"Course cancelled: {course.title}"}
    assert all("There is no charge" in text_part(m) for m in mails)


async def test_a_support_request_mails_the_school_and_each_coordinator_once(
    stack: Stack, parts: Isolated, client: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    run = f.tag()
    data = f.submitted(run)
    await publish(producer, data)
    mails = await wait_for_mail(parts.maildir, run, 3)
    people = [data.request.contact, *data.request.coordinators]
    assert per_address(mails) == {p.email: 1 for p in people}
    school = next(m for m in mails if m["To"].addresses[0].addr_spec == data.request.contact.email)
    assert data.request.reference in school["Subject"]


async def test_the_same_event_delivered_twice_sends_nothing_more(
    stack: Stack, parts: Isolated, client: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    run = f.tag()
    data = f.confirmed(run)
    event_id = uuid4()
    await publish(producer, data, event_id)
    await wait_for_mail(parts.maildir, run, 2)
    await publish(producer, data, event_id)
    # A later event on the same key (same partition) is processed after the repeat.
    after = b.BookingConfirmed(course=data.course, booking=f.booking(f"{run}-after"))
    await publish(producer, after)
    await wait_for_mail(parts.maildir, f"{run}-after", 3)

    firsts = [
        m
        for m in mail_to(parts.maildir, run)
        if f"{run}-after" not in m["To"].addresses[0].addr_spec
    ]
    assert len(firsts) == 2
    assert (await listed(client, stack, event_id=str(event_id)))["total"] == 2


async def test_unknown_and_malformed_events_are_dead_lettered_and_the_rest_flows(
    stack: Stack, parts: Isolated, client: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    run = f.tag()
    good = f.confirmed(run)
    key = good.key()
    unknown = CloudEvent(
        type="uk.alliance.bookings.course_rescheduled.v9",
        source="/alliance/bookings",
        data={"x": 1},
    )
    broken = CloudEvent(
        type=b.BookingConfirmed.event_type, source="/alliance/bookings", data={"course": {}}
    )
    await publish_event(producer, BOOKINGS_EVENTS, key, unknown)
    await publish_event(producer, BOOKINGS_EVENTS, key, broken)
    await publish(producer, good)

    await wait_for_mail(parts.maildir, run, 2)
    ids = {str(unknown.id), str(broken.id)}
    dead = await read_topic(
        parts.bootstrap,
        DLQ,
        until=lambda found: len(found) >= 2,
        match=lambda r: header(r, "ce_id") in ids,
    )
    reasons = {header(r, "ce_id"): header(r, "dlq_reason") or "" for r in dead}
    assert "unknown event type" in reasons[str(unknown.id)]
    assert "invalid data" in reasons[str(broken.id)]
    assert all(header(r, "dlq_original_topic") == BOOKINGS_EVENTS for r in dead)


async def test_mail_held_while_smtp_is_down_is_delivered_once_when_it_is_back(
    stack: Stack, parts: Isolated, client: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    run = f.tag()
    data = f.submitted(run)
    parts.smtp.pause()
    try:
        event = await publish(producer, data)

        # Wait until every notification has failed at least once and is waiting to retry.
        async def tried() -> list[dict] | None:
            items = (await listed(client, stack, event_id=str(event.id)))["items"]
            return items if len(items) == 3 and all(n["attempts"] >= 1 for n in items) else None

        items = await eventually(
            tried, message="three notifications tried while SMTP is down", timeout=30
        )
        assert {n["status"] for n in items} == {"pending"}
        assert all(n["last_error"] for n in items)
    finally:
        parts.smtp.resume()

    mails = await wait_for_mail(parts.maildir, run, 3, timeout_s=30)
    people = [data.request.contact, *data.request.coordinators]
    assert per_address(mails) == {p.email: 1 for p in people}

    async def all_sent() -> bool:
        items = (await listed(client, stack, event_id=str(event.id)))["items"]
        return {n["status"] for n in items} == {"sent"}

    await eventually(all_sent, message="all recorded as sent", timeout=10)
    assert len(mail_to(parts.maildir, run)) == 3


async def test_the_school_gets_its_private_link_but_the_stored_copy_does_not_keep_it(
    stack: Stack, parts: Isolated, client: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    run = f.tag()
    secret = f"1764000000.{uuid4().hex}"
    private = f"http://127.0.0.1:8002/support-requests/{uuid4()}/school?token={secret}"
    data = f.request_info(run)
    event = await publish(
        producer, r.RequestUnmatched(request=data, reason="No SENCO", school_manage_url=private)
    )

    mails = await wait_for_mail(parts.maildir, run, 1)
    assert to_address(mails[0]) == data.contact.email
    assert private in text_part(mails[0]) and secret in html_part(mails[0])

    async def stored() -> dict:
        found = await listed(client, stack, event_id=str(event.id))
        assert found["total"] == 1 and found["items"][0]["status"] == "sent"
        detail = await client.get(f"/notifications/{found['items'][0]['id']}", headers=staff(stack))
        assert detail.status_code == 200, detail.text
        return detail.json()

    def redacted(kept: dict) -> bool:
        return secret not in kept["body_text"] and secret not in kept["body_html"]

    kept = await eventually(stored, redacted, message="the stored copy lost the link")
    assert "school?token=removed-after-sending" in kept["body_text"]
    assert "school?token=removed-after-sending" in kept["body_html"]
    assert data.reference in kept["body_text"]  # the rest of the message is kept
