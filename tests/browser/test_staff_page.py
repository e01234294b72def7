"""The notifications staff page is on the shared layout and passes axe too."""

from playwright.async_api import Browser

from tests.browser.conftest import Site
from tests.browser.support import assert_accessible


async def test_the_staff_notifications_page_is_accessible(site: Site, browser: Browser) -> None:
    headers = site.stack.auth("coordinator", "odyssey-tsa")
    context = await browser.new_context(extra_http_headers=headers)
    try:
        page = await context.new_page()
        response = await page.goto(f"{site.notifications}/notifications/page")
        assert response is not None and response.status == 200
        assert await page.locator(".header__service").inner_text() == "Notifications"
        stylesheet = page.locator("link[rel=stylesheet]")
        assert await stylesheet.get_attribute("href") == "/static/alliance/alliance.css"
        await assert_accessible(page, "staff notifications")
    finally:
        await context.close()
