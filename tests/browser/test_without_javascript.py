"""The public pages work with JavaScript off: the catalogue's filters are a GET form, and the
form's errors are an error summary whose links are plain anchors to the fields."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import Site
from tests.browser.test_support_form import an_alliance


@pytest.fixture
async def plain_page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(java_script_enabled=False)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def test_the_catalogue_filters_without_javascript(site: Site, plain_page: Page) -> None:
    page = plain_page
    await page.goto(f"{site.bookings}/catalogue")
    await page.select_option("#strand", "research")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Apply filters").click()
    assert "strand=research" in page.url
    assert "No courses match these filters." in await page.locator(".course-list").inner_text()


async def test_the_form_errors_without_javascript(site: Site, plain_page: Page) -> None:
    page = plain_page
    alliance_id = await an_alliance(site)
    await page.goto(f"{site.brokerage}/support-requests/new?alliance={alliance_id}")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Send request").click()
    first = page.locator(".error-summary a").first
    assert await first.get_attribute("href") == "#school_name"
    await first.click()
    assert page.url.endswith("#school_name")
    assert await page.evaluate("document.activeElement.id") == "school_name"
