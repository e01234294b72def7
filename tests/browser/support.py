"""What the browser tests share: Chromium under Playwright, axe-core, and screenshots."""

import json
import os
import re
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

CHROMIUM = "/usr/bin/chromium"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS_VAR = "BROWSER_SCREENSHOTS"
"""A folder to keep a full-page screenshot of each page checked (to look at them)."""

_axe = Axe()


def _summary(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"]][:5]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps(targets)}")
    return "\n".join(lines)


async def assert_accessible(page: Page, name: str) -> None:
    """axe-core finds no WCAG 2.2 A/AA violation on the page as it is now."""
    await screenshot(page, name)
    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    results = await _axe.run(page, options=options)
    violations = results.response["violations"]
    assert not violations, f"{name} ({page.url}):\n{_summary(violations)}"


async def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get(SCREENSHOTS_VAR)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        await page.screenshot(path=str(Path(folder) / f"{slug}.png"), full_page=True)


async def focused(page: Page) -> dict[str, str]:
    """The element that has the keyboard focus: its tag, id, class and text."""
    return await page.evaluate(
        """() => { const e = document.activeElement;
                   return {tag: e.tagName.toLowerCase(), id: e.id || '',
                           cls: e.className || '', text: (e.innerText || '').trim()}; }"""
    )


async def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until ``selector`` has the focus (as a keyboard user would)."""
    for _ in range(limit):
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus in {limit} presses of Tab")
