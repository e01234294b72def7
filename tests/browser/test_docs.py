"""Every service's /docs renders its API with no request leaving 127.0.0.1 (no CDN)."""

from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Route

from tests.browser.conftest import Site
from tests.browser.support import screenshot


@pytest.mark.parametrize(
    ("service", "title"),
    [
        ("bookings", "Alliance bookings"),
        ("brokerage", "Alliance brokerage"),
        ("notifications", "Alliance notifications"),
    ],
)
async def test_docs_render_offline(site: Site, browser: Browser, service: str, title: str) -> None:
    context = await browser.new_context()
    asked: list[str] = []

    async def local_only(route: Route) -> None:
        asked.append(route.request.url)
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", local_only)
    try:
        page = await context.new_page()
        await page.goto(f"{getattr(site, service)}/docs")
        await page.locator(".swagger-ui .opblock").first.wait_for()
        assert title in await page.locator(".swagger-ui .info .title").inner_text()
        await screenshot(page, f"docs {service}")
    finally:
        await context.close()
    assert len(asked) > 3, asked
    assert [url for url in asked if urlsplit(url).hostname != "127.0.0.1"] == []
