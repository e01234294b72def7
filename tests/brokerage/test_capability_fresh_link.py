"""The school asks for a fresh private link, end to end on the real parts: the public page
(CSRF, GOV.UK errors, the same answer whether or not the reference and email match, a rate
limit), the ``school_link_issued`` event, notifications, the SMTP server's Maildir; the new
link works and every older one stops. A dead-lettered brokerage event holds no usable link."""

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from devstack.mail import read_maildir, wait_for_messages_async
from services.brokerage.app import build_app
from services.brokerage.config import BrokerageSettings
from services.notifications.app import build_app as build_notifications
from services.notifications.config import NotificationsSettings
from shared.contracts.topics import BROKERAGE_EVENTS, dead_letter_topic
from shared.web.csrf import FIELD
from tests.brokerage.helpers import request_body, types
from tests.brokerage.test_form import Page
from tests.notifications.support import fast_delivery
from tests.support.apps import running_app
from tests.support.isolated import isolated_parts
from tests.support.kafka import header, read_topic
from tests.support.stack import Stack
from tests.support.wait import eventually

FRESH = "/support-requests/fresh-link"
LINK = re.compile(r"https?://\S+/support-requests/[0-9a-f-]+/school\?token=[\w.\-]+")


@dataclass
class System:
    stack: Stack
    bootstrap: str
    maildir: Path
    settings: BrokerageSettings
    brokerage: httpx.AsyncClient
    notifications: httpx.AsyncClient


@pytest.fixture(scope="module")
async def system(stack: Stack) -> AsyncIterator[System]:
    """Brokerage and notifications on a broker, databases and an SMTP server of their own."""
    services = ("brokerage", "notifications")
    async with isolated_parts(stack, "capability", services) as parts, AsyncExitStack() as run:
        brokerage_settings = stack.settings(BrokerageSettings, **parts.overrides)
        notifications_settings = stack.settings(
            NotificationsSettings, **parts.overrides, **fast_delivery()
        )
        _, brokerage = await run.enter_async_context(running_app(build_app, brokerage_settings))
        _, notifications = await run.enter_async_context(
            running_app(build_notifications, notifications_settings)
        )
        yield System(
            stack, parts.bootstrap, parts.maildir, brokerage_settings, brokerage, notifications
        )


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def mail_to(system: System, email: str, count: int) -> list[EmailMessage]:
    def to_them(message: EmailMessage) -> bool:
        return email in str(message["To"]).lower()

    return await wait_for_messages_async(system.maildir, to_them, count, timeout_s=60)


async def submit(system: System) -> tuple[dict[str, Any], str, str]:
    run = secrets.token_hex(4)
    alliance = f"tsa-{run}"
    admin = system.stack.auth("alliance_admin", alliance)
    made = await system.brokerage.put(
        f"/alliances/{alliance}",
        json={
            "name": f"Alliance {run}",
            "region": "Gloucestershire",
            "coordinators": [{"name": "Cora Ordinator", "email": f"cora@{run}.example.org"}],
        },
        headers=admin,
    )
    assert made.status_code == 200, made.text
    email = f"sam@{run}.example.org"
    body = request_body(alliance, contact_email=email)
    submitted = await system.brokerage.post("/support-requests", json=body)
    assert submitted.status_code == 201, submitted.text
    return submitted.json(), email, alliance


async def open_form(client: httpx.AsyncClient) -> str:
    page = await client.get(FRESH)
    assert page.status_code == 200, page.text
    return Page(page.text).one("input", name=FIELD)["value"]


async def ask(client: httpx.AsyncClient, csrf: str, reference: str, email: str) -> httpx.Response:
    return await client.post(FRESH, data={FIELD: csrf, "reference": reference, "email": email})


async def test_a_school_gets_a_fresh_link_by_email_and_old_links_stop(system: System) -> None:
    submitted, email, alliance_id = await submit(system)
    [first] = await mail_to(system, email, 1)
    [old_link] = LINK.findall(text_of(first))
    client = system.brokerage
    assert (await client.get(local(old_link))).status_code == 200

    csrf = await open_form(client)
    wrong = await ask(client, csrf, submitted["reference"], "someone@else.example.org")
    unknown = await ask(client, csrf, "SR-1999-999999", email)
    right = await ask(client, csrf, submitted["reference"].lower(), email.upper())
    for answer in (wrong, unknown, right):
        assert answer.status_code == 200, answer.text
    # The same page whatever was given: no oracle about which references exist.
    assert Page(wrong.text).plain == Page(unknown.text).plain == Page(right.text).plain
    assert "Check your email" in Page(right.text).plain

    messages = await mail_to(system, email, 2)
    fresh = [m for m in messages if "new link" in str(m["Subject"])]
    assert len(fresh) == 1, [m["Subject"] for m in messages]
    assert submitted["reference"] in str(fresh[0]["Subject"])
    [new_link] = LINK.findall(text_of(fresh[0]))
    assert new_link != old_link
    page = await client.get(local(new_link))
    assert page.status_code == 200 and submitted["reference"] in page.text
    gone = await client.get(local(old_link))
    assert gone.status_code == 410 and "Get a new link" in Page(gone.text).plain

    # Nobody else was mailed; the copy notifications keeps holds no working link.
    assert not [m for m in read_maildir(system.maildir) if "else.example.org" in str(m["To"])]
    admin = system.stack.auth("alliance_admin", alliance_id)

    async def kept() -> dict[str, Any]:
        found = await system.notifications.get(
            "/notifications",
            params={"event_type": "uk.alliance.brokerage.school_link_issued.v1"},
            headers=admin,
        )
        [item] = found.json()["items"]
        detail = await system.notifications.get(f"/notifications/{item['id']}", headers=admin)
        return detail.json()

    stored = await eventually(kept, lambda n: "removed-after-sending" in n["body_text"])
    assert new_link.split("token=", 1)[1] not in stored["body_text"] + stored["body_html"]

    records = await read_topic(
        system.bootstrap,
        BROKERAGE_EVENTS,
        until=lambda found: "school_link_issued" in types(found),
        match=lambda r: r.key is not None and r.key.decode() == submitted["id"],
    )
    for record in records:
        assert "token=" not in (record.value or b"").decode()


async def test_the_form_says_what_is_wrong_field_by_field(system: System) -> None:
    client = system.brokerage
    csrf = await open_form(client)
    empty = await ask(client, csrf, "", "")
    assert empty.status_code == 422
    page = Page(empty.text)
    assert page.one("div", **{"class": "error-summary"})
    summary = [a["href"] for a in page.all("a") if a.get("href") in ("#reference", "#email")]
    assert summary == ["#reference", "#email"]
    assert "Enter the request's reference" in page.plain
    assert "Enter the contact email address" in page.plain
    assert "Error:" in empty.text.split("</title>")[0]

    bad = await ask(client, csrf, "not a reference", "not an email")
    assert bad.status_code == 422
    page = Page(bad.text)
    assert "like SR-2026-000123" in page.plain and "correct format" in page.plain
    assert page.one("input", name="reference")["value"] == "not a reference"

    no_csrf = await client.post(FRESH, data={"reference": "SR-2026-000001", "email": "a@b.org"})
    assert no_csrf.status_code == 403 and "session expired" in no_csrf.text


async def test_asking_for_fresh_links_is_rate_limited(system: System) -> None:
    settings = system.settings.model_copy(update={"public_rate_limit_per_minute": 2})
    async with running_app(build_app, settings) as (_, client):
        csrf = await open_form(client)
        codes = [
            (await ask(client, csrf, "SR-2026-000001", "a@b.example.org")).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]


async def test_a_dead_lettered_brokerage_event_holds_no_usable_link(system: System) -> None:
    submitted, _, _ = await submit(system)
    bootstrap = system.bootstrap
    [record] = await read_topic(
        bootstrap,
        BROKERAGE_EVENTS,
        until=lambda found: len(found) >= 1,
        match=lambda r: r.key is not None and r.key.decode() == submitted["id"],
    )
    # The same bytes again, as a type notifications does not know: it dead-letters them.
    dead_id = str(uuid4())
    headers = [
        (
            k,
            dead_id.encode()
            if k == "ce_id"
            else v.replace(b".v1", b".v9")
            if k == "ce_type"
            else v,
        )
        for k, v in record.headers or ()
    ]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            BROKERAGE_EVENTS, record.value, key=record.key, headers=headers
        )
    finally:
        await producer.stop()
    [dead] = await read_topic(
        bootstrap,
        dead_letter_topic("notifications"),
        until=lambda found: len(found) >= 1,
        match=lambda r: header(r, "ce_id") == dead_id,
        timeout=60,
    )
    value = (dead.value or b"").decode()
    assert "school_link_sealed" in value
    assert "token=" not in value and "/school?" not in value
