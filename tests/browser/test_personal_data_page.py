"""The personal-data page: an administrator signs in, is told field by field what is missing,
asks to erase a person and follows the request until every service has done its part; both
pages pass axe."""

import secrets

import httpx
from playwright.async_api import Page

from tests.browser.conftest import Site
from tests.browser.support import assert_accessible
from tests.support.wait import eventually


async def test_an_administrator_asks_for_an_erasure_and_sees_it_done(
    site: Site, page: Page
) -> None:
    run = secrets.token_hex(4)
    alliance = f"browser-{run}"
    email = f"admin-{run}@browser.example.org"
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        made = await http.post(
            f"/alliances/{alliance}/staff",
            json={"email": email, "role": "administrator", "name": "Ada Admin"},
            headers=site.admin(alliance),
        )
        assert made.status_code == 201, made.text

    await page.goto(f"{site.bookings}/personal-data")
    await page.locator("input[name=sub]").fill(email)
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(f"{site.bookings}/personal-data")
    await assert_accessible(page, "personal data")

    await page.get_by_role("button", name="Send the request").click()
    summary = page.locator(".error-summary")
    assert "Choose whether to erase or to export the data" in await summary.inner_text()
    assert "Enter an email address in the correct format" in await summary.inner_text()
    await assert_accessible(page, "personal data with errors")

    person = f"leaver-{run}@browser.example.org"
    await page.get_by_label("Erase it").check()
    await page.get_by_label("The person's email address").fill(person)
    await page.get_by_role("button", name="Send the request").click()
    await page.wait_for_url(f"{site.bookings}/personal-data/*")
    assert "Request about l…@browser.example.org" in await page.locator("h1").inner_text()
    await assert_accessible(page, "personal-data request")

    async def reloaded() -> str:  # a person reloading the page
        await page.reload()
        return await page.locator("main").inner_text()

    await eventually(reloaded, lambda text: "Every service has done its part" in text, timeout=30)
    assert person not in await page.content()
