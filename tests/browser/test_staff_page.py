"""The staff notifications page in Chromium: an alliance administrator filters the log to one
support request's failed email, sends it again after confirming, and it goes; a filter that
cannot be read gives the GOV.UK error summary, focused. axe on every page on the way."""

import secrets

import asyncpg
import httpx
from playwright.async_api import Browser, expect
from sqlalchemy import update

from services.notifications.tables import notifications
from shared.storage.engine import make_engine
from tests.browser.conftest import Site
from tests.browser.support import assert_accessible
from tests.support.wait import eventually


async def notifications_database(site: Site) -> str:
    """The URL of the browser site's notifications database (made by ``isolated_parts``)."""
    stack = site.stack
    server = await asyncpg.connect(stack.server_url.replace("+asyncpg", ""))
    try:
        [name] = await server.fetchval(
            "SELECT array_agg(datname) FROM pg_database WHERE datname LIKE $1",
            f"t_{stack.run_id}_browser_notifications_%",
        )
    finally:
        await server.close()
    return stack.database_url(name)


async def a_failed_email(site: Site, alliance: str, headers: dict[str, str]) -> str:
    """A support request in a new alliance (the school and the coordinator are emailed); the
    school's email is then marked failed, as after a mailbox refused it for good. Its reference."""
    run = secrets.token_hex(4)
    async with httpx.AsyncClient(base_url=site.brokerage) as http:
        made = await http.put(
            f"/alliances/{alliance}",
            json={
                "name": f"Alliance {run}",
                "region": "Gloucestershire",
                "coordinators": [{"name": "Cora Ordinator", "email": f"cora@{run}.example.org"}],
            },
            headers=headers,
        )
        assert made.status_code == 200, made.text
        body = {
            "alliance_id": alliance,
            "school_name": "Hillview Primary School",
            "school_urn": "115678",
            "contact_name": "Sam Contact",
            "contact_role": "Headteacher",
            "contact_email": f"sam@{run}.example.org",
            "contact_phone": "01452 123456",
            "areas": ["mathematics"],
            "phase": "primary",
            "needs": "Support to lead maths.",
            "outcomes": "Fluency in every class.",
            "timing": "Spring term",
            "days": 2,
            "funding_source": "own_budget",
            "consent_to_share": True,
        }
        submitted = await http.post("/support-requests", json=body)
        assert submitted.status_code == 201, submitted.text
    reference = str(submitted.json()["reference"])

    async def sent() -> int:
        async with httpx.AsyncClient(base_url=site.notifications) as http:
            found = await http.get("/notifications", params={"status": "sent"}, headers=headers)
            return int(found.json()["total"])

    await eventually(sent, lambda n: n == 2, timeout=30)
    engine = make_engine(await notifications_database(site))
    try:
        async with engine.begin() as db:
            await db.execute(
                update(notifications)
                .where(notifications.c.recipient_email == f"sam@{run}.example.org")
                .values(
                    status="failed",
                    sent_at=None,
                    failed_at=notifications.c.created_at,
                    last_error="SMTP 550: 5.1.1 No such mailbox here",
                )
            )
    finally:
        await engine.dispose()
    return reference


async def test_an_administrator_filters_and_sends_a_failed_email_again(
    site: Site, browser: Browser
) -> None:
    alliance = f"tsa-{secrets.token_hex(4)}"
    headers = site.admin(alliance)
    reference = await a_failed_email(site, alliance, headers)
    context = await browser.new_context(extra_http_headers=headers, locale="en-GB")
    try:
        page = await context.new_page()
        response = await page.goto(f"{site.notifications}/notifications/page")
        assert response is not None and response.status == 200
        assert await page.locator(".header__service").inner_text() == "Notifications"
        await expect(page.locator("tbody tr")).to_have_count(2)
        await assert_accessible(page, "staff notifications")

        await page.get_by_label("Support request").fill(reference.lower())
        await page.get_by_label("Status").select_option("failed")
        await page.get_by_role("button", name="Show notifications").click()
        await expect(page.locator("tbody tr")).to_have_count(1)
        await expect(page.locator("tbody")).to_contain_text("SMTP 550")
        await assert_accessible(page, "staff notifications, filtered")

        await page.get_by_role("link", name="Send again").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Send this notification again?"
        )
        await assert_accessible(page, "send a notification again")
        await page.get_by_role("button", name="Send it again").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "The notification will be sent again"
        )
        await assert_accessible(page, "notification sent again")

        async def failed() -> int:
            async with httpx.AsyncClient(base_url=site.notifications) as http:
                found = await http.get(
                    "/notifications", params={"status": "failed"}, headers=headers
                )
                return int(found.json()["total"])

        await eventually(failed, lambda n: n == 0, timeout=30)
        await page.get_by_role("link", name="Back to the notifications").click()
        await page.get_by_label("Status").select_option("sent")
        await page.get_by_role("button", name="Show notifications").click()
        await expect(page.locator("tbody tr")).to_have_count(2)

        await page.get_by_label("Course").fill("not a course")
        await page.get_by_role("button", name="Show notifications").click()
        summary = page.locator(".error-summary")
        await expect(summary).to_be_focused()
        await expect(summary.get_by_role("link")).to_have_text(
            ["Enter the course's id as shown on its page, like 3f2b…"]
        )
        await assert_accessible(page, "staff notifications, an error")
    finally:
        await context.close()


async def test_a_coordinator_sees_the_log_but_cannot_send_again(
    site: Site, browser: Browser
) -> None:
    alliance = f"tsa-{secrets.token_hex(4)}"
    await a_failed_email(site, alliance, site.admin(alliance))
    headers = site.stack.auth("coordinator", alliance)
    context = await browser.new_context(extra_http_headers=headers, locale="en-GB")
    try:
        page = await context.new_page()
        await page.goto(f"{site.notifications}/notifications/page?status=failed")
        await expect(page.locator("tbody tr")).to_have_count(1)
        await expect(page.get_by_role("link", name="Send again")).to_have_count(0)
        await assert_accessible(page, "staff notifications, coordinator")
    finally:
        await context.close()
