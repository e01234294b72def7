"""The catalogue's pages and its JSON have budgets of their own, at the defaults."""

from services.bookings.app import build_app
from services.bookings.config import BookingsSettings
from tests.support.apps import running_app
from tests.support.stack import Stack

DEFAULTS = {
    info.alias: info.default
    for info in BookingsSettings.model_fields.values()
    if info.alias in ("PUBLIC_RATE_LIMIT_PER_MINUTE", "PUBLIC_PAGE_RATE_LIMIT_PER_MINUTE")
}


async def test_a_person_browsing_60_pages_a_minute_is_not_limited_and_json_is_apart(
    stack: Stack,
) -> None:
    assert DEFAULTS == {
        "PUBLIC_RATE_LIMIT_PER_MINUTE": 30,
        "PUBLIC_PAGE_RATE_LIMIT_PER_MINUTE": 120,
    }
    async with running_app(build_app, stack.settings(BookingsSettings, **DEFAULTS)) as (_, http):
        pages = [(await http.get("/catalogue")).status_code for _ in range(60)]
        assert pages == [200] * 60

        api = [(await http.get("/courses")).status_code for _ in range(31)]
        assert api == [200] * 30 + [429]

        assert (await http.get("/catalogue")).status_code == 200
