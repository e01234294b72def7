"""The axe helper itself fails on a WCAG violation (so a passing page check means something)."""

import pytest
from playwright.async_api import Page

from tests.browser.support import assert_accessible


async def test_the_axe_helper_fails_on_a_page_with_violations(page: Page) -> None:
    await page.set_content(
        '<html><body><main><input type="text"><img src="x.png">'
        '<p style="color:#bbb;background:#fff">faint</p></main></body></html>'
    )
    with pytest.raises(AssertionError) as failed:
        await assert_accessible(page, "a bad page")
    for rule in ("html-has-lang", "label", "image-alt", "color-contrast"):
        assert rule in str(failed.value)
