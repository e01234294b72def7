"""The school's private-link pages in Chromium, with axe: asking for a fresh link (and its
errors, keyboard only), the coordinator's page cancelling a link, and the page an old link
then gives."""

import secrets

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import Site
from tests.browser.support import assert_accessible


async def a_request(site: Site, alliance: str) -> dict:
    headers = site.admin(alliance)
    async with httpx.AsyncClient(base_url=site.brokerage) as http:
        made = await http.put(
            f"/alliances/{alliance}",
            json={
                "name": f"Alliance {alliance}",
                "region": "Gloucestershire",
                "coordinators": [{"name": "Cora", "email": f"cora@{alliance}.example.org"}],
            },
            headers=headers,
        )
        assert made.status_code == 200, made.text
        submitted = await http.post(
            "/support-requests",
            json={
                "alliance_id": alliance,
                "school_name": "Hillview Primary School",
                "school_urn": "115678",
                "contact_name": "Sam Contact",
                "contact_role": "Headteacher",
                "contact_email": f"sam@{alliance}.example.org",
                "contact_phone": "01452 123456",
                "areas": ["mathematics"],
                "phase": "primary",
                "needs": "Support to lead maths.",
                "outcomes": "Fluency in every class.",
                "timing": "Spring term",
                "days": 2,
                "funding_source": "own_budget",
                "consent_to_share": True,
            },
        )
        assert submitted.status_code == 201, submitted.text
        return submitted.json()


async def test_asking_for_a_fresh_link_by_keyboard(site: Site, page: Page) -> None:
    await page.goto(f"{site.brokerage}/support-requests/fresh-link")
    await assert_accessible(page, "fresh link")
    await page.get_by_label("Request reference").focus()
    await page.keyboard.press("Tab")
    await page.keyboard.type("not an email")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    await expect(summary).to_be_focused()
    await expect(summary.get_by_role("link")).to_have_count(2)
    await assert_accessible(page, "fresh link, errors")
    await page.get_by_label("Request reference").fill("SR-2026-000001")
    await page.get_by_label("Contact email address").fill("someone@school.example.org")
    await page.get_by_role("button", name="Send me a new link").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    await assert_accessible(page, "fresh link, sent")


async def test_a_coordinator_cancels_a_link_and_the_old_one_says_so(
    site: Site, browser: Browser
) -> None:
    alliance = f"tsa-{secrets.token_hex(4)}"
    submitted = await a_request(site, alliance)
    staff = site.stack.auth("coordinator", alliance)
    context = await browser.new_context(extra_http_headers=staff, locale="en-GB")
    try:
        page = await context.new_page()
        await page.goto(f"{site.brokerage}/requests/{submitted['id']}/school-link")
        await assert_accessible(page, "cancel the school's link")
        await page.get_by_role("button", name="Cancel the link").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("has been cancelled")
        await assert_accessible(page, "school link cancelled")
        await page.goto(submitted["school_manage_url"])
        await expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
        await assert_accessible(page, "school link no longer works")
        await page.get_by_role("link", name="Get a new link").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Get a new link to your request"
        )
    finally:
        await context.close()
