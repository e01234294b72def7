"""The brokerage public form by keyboard alone: tab to a field, type, submit with errors, the
error summary takes the focus and its links jump to their fields; correct, send, and reach the
school's private page. axe finds no WCAG 2.2 A/AA violation on any of these pages."""

import secrets

import httpx
from playwright.async_api import Page

from tests.browser.conftest import Site
from tests.browser.support import assert_accessible, focused, tab_to


async def an_alliance(site: Site) -> str:
    alliance_id = f"tsa-{secrets.token_hex(3)}"
    async with httpx.AsyncClient(base_url=site.brokerage) as http:
        response = await http.put(
            f"/alliances/{alliance_id}",
            json={
                "name": "Odyssey Teaching School Alliance",
                "region": "Gloucestershire",
                "coordinators": [{"name": "Cora Ordinator", "email": "cora@tsa.example.org"}],
            },
            headers=site.stack.auth("alliance_admin", alliance_id),
        )
    assert response.status_code == 200, response.text
    return alliance_id


async def type_into(page: Page, selector: str, text: str) -> None:
    await tab_to(page, selector)
    await page.keyboard.type(text)


async def press_in(page: Page, selector: str, key: str) -> None:
    await tab_to(page, selector)
    await page.keyboard.press(key)


async def test_the_form_by_keyboard_with_errors_then_corrected(site: Site, page: Page) -> None:
    alliance_id = await an_alliance(site)
    await page.goto(f"{site.brokerage}/support-requests/new?alliance={alliance_id}")
    await assert_accessible(page, "support form")

    await type_into(page, "#school_name", "Beech Primary School")
    async with page.expect_navigation() as sent:
        await page.keyboard.press("Enter")  # submits the form, most fields still empty
    response = await sent.value
    assert response is not None and response.status == 422
    assert (await page.title()).startswith("Error: ")
    assert "error-summary" in (await focused(page))["cls"], "the summary has the focus"
    links = await page.locator(".error-summary a").all_inner_texts()
    assert links[0] == "Enter the school's URN: 6 digits, like 115678"
    assert len(links) == 13, links
    await assert_accessible(page, "support form with errors")

    await page.keyboard.press("Tab")
    assert (await focused(page))["text"] == links[0]
    await page.keyboard.press("Enter")
    assert (await focused(page))["id"] == "school_urn", "the link moves the focus to its field"
    await page.keyboard.type("115678")
    assert await page.input_value("#school_name") == "Beech Primary School", "values are kept"

    await type_into(page, "#contact_name", "Hilary Head")
    await type_into(page, "#contact_role", "Headteacher")
    await type_into(page, "#contact_email", "head@beech.example.org")
    await type_into(page, "#contact_phone", "01452 123456")
    await press_in(page, "#areas", "Space")
    await press_in(page, "#phase", "Space")
    await type_into(page, "#needs", "Support for our new maths lead.")
    await type_into(page, "#outcomes", "A maths curriculum the staff share.")
    await type_into(page, "#timing", "Spring term")
    await type_into(page, "#days", "2.5")
    await press_in(page, "#funding_source", "Space")
    await press_in(page, "#consent_to_share", "Space")
    await tab_to(page, "form button[type=submit]")
    async with page.expect_navigation() as sent:
        await page.keyboard.press("Enter")
    response = await sent.value
    assert response is not None and response.status == 201
    assert await page.locator("h1").inner_text() == "Request sent"
    await assert_accessible(page, "support form submitted")

    await tab_to(page, "main a[href*='/school?token=']")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert (await page.locator("h1").inner_text()).startswith("Support request ")
    await assert_accessible(page, "school's private page")
