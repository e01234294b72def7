"""Signing in from the browser: to the local OpenID provider and back, once for every service."""

import secrets

import httpx
from playwright.async_api import Page

from tests.browser.conftest import Site


async def test_a_cpd_lead_signs_in_once_and_signs_out(site: Site, page: Page) -> None:
    urn = f"{secrets.randbelow(900_000) + 100_000}"
    email = f"lead-{urn}@browser.example.org"
    school = {"name": "Browser School", "cpd_lead_name": "Lead", "cpd_lead_email": email}
    async with httpx.AsyncClient(base_url=site.bookings) as http:
        made = await http.put(f"/schools/{urn}", json=school, headers=site.admin("browser-tsa"))
        assert made.status_code in (200, 201), made.text

    await page.goto(f"{site.bookings}/catalogue")
    await page.get_by_role("link", name="Sign in").click()
    await page.locator("input[name=sub]").fill(email)
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(f"{site.bookings}/catalogue")
    await page.goto(f"{site.bookings}/")
    assert f"CPD lead of school {urn}" in await page.locator("main").inner_text()

    await page.goto(f"{site.brokerage}/")
    assert email in await page.locator("main").inner_text()

    await page.goto(f"{site.bookings}/catalogue")
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{site.bookings}/**")
    # Signed out everywhere: notifications' start page sends the person to sign in again.
    await page.goto(f"{site.notifications}/")
    assert "/oauth2/authorize" in page.url
