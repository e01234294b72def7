"""Rate limits: X-Forwarded-For counts only from trusted proxies; every 429 says when to retry."""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from services.bookings.config import BookingsSettings
from services.bookings.tables import metadata
from shared.runtime import ServiceRuntime
from shared.serve import uvicorn_options
from shared.settings import Settings
from shared.web.app import create_app
from shared.web.ratelimit import RateLimit, client_address
from tests.support.serving import served as serve
from tests.support.stack import Stack

API_BUDGET = 3
PAGE_BUDGET = 5


def build(settings: BookingsSettings) -> FastAPI:
    app = create_app(ServiceRuntime("bookings", settings, metadata), title="limits")
    api = RateLimit.for_api(settings).dependency()
    pages = RateLimit.for_pages(settings).dependency()

    @app.get("/things", dependencies=[Depends(api)])
    async def things() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/catalogue", response_class=HTMLResponse, dependencies=[Depends(pages)])
    async def catalogue() -> str:
        return "<p>courses</p>"

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str]:
        peer = request.client.host if request.client else ""
        return {"peer": peer, "client": client_address(request)}

    return app


def limited(stack: Stack, **overrides: object) -> BookingsSettings:
    return stack.settings(
        BookingsSettings,
        PUBLIC_RATE_LIMIT_PER_MINUTE=API_BUDGET,
        PUBLIC_PAGE_RATE_LIMIT_PER_MINUTE=PAGE_BUDGET,
        **overrides,
    )


@asynccontextmanager
async def client_of(settings: BookingsSettings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build(settings), client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def statuses(http: httpx.AsyncClient, path: str, n: int, **headers: str) -> list[int]:
    return [(await http.get(path, headers=headers)).status_code for _ in range(n)]


def assert_retry_after(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["retry-after"]) <= 60


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_gets_no_fresh_budget(
    stack: Stack,
) -> None:
    async with client_of(limited(stack)) as http:
        assert await statuses(http, "/things", API_BUDGET) == [200] * API_BUDGET
        refused = await http.get("/things")
        assert_retry_after(refused)
        for spoofed in ("203.0.113.7", "198.51.100.1, 203.0.113.8"):
            again = await http.get("/things", headers={"X-Forwarded-For": spoofed})
            assert_retry_after(again)


async def test_a_trusted_proxy_is_believed_about_the_client_but_not_what_it_forwards(
    stack: Stack,
) -> None:
    async with client_of(limited(stack, TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")) as http:
        one = {"X-Forwarded-For": "203.0.113.7"}
        assert await statuses(http, "/things", API_BUDGET, **one) == [200] * API_BUDGET
        assert_retry_after(await http.get("/things", headers=one))
        other = {"X-Forwarded-For": "203.0.113.9, 10.1.2.3"}
        assert await statuses(http, "/things", API_BUDGET, **other) == [200] * API_BUDGET
        # What the client itself put in front of the proxy's entry changes nothing.
        forged = {"X-Forwarded-For": "192.0.2.1, 203.0.113.7"}
        assert_retry_after(await http.get("/things", headers=forged))


async def test_pages_have_a_budget_of_their_own(stack: Stack) -> None:
    async with client_of(limited(stack)) as http:
        assert await statuses(http, "/things", API_BUDGET + 1) == [200] * API_BUDGET + [429]
        assert await statuses(http, "/catalogue", PAGE_BUDGET) == [200] * PAGE_BUDGET
        assert_retry_after(await http.get("/catalogue"))


def test_the_page_budget_is_larger_than_the_api_budget_by_default() -> None:
    fields = Settings.model_fields
    assert fields["public_page_rate_limit_per_minute"].default == 120
    assert fields["public_rate_limit_per_minute"].default == 30
    assert fields["trusted_proxies"].default == "", "no proxy is trusted unless named"


def served(settings: BookingsSettings) -> AbstractAsyncContextManager[str]:
    """The app under uvicorn with the options ``alliance`` serves it with."""
    options = uvicorn_options(settings)
    options.pop("host")  # the helper serves on 127.0.0.1
    return serve(build(settings), lifespan="off", **options)


async def test_uvicorn_believes_forwarded_headers_only_from_trusted_proxies(stack: Stack) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.7"}
    async with served(limited(stack)) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/whoami", headers=spoofed)).json() == {
            "peer": "127.0.0.1",
            "client": "127.0.0.1",
        }
    trusted = limited(stack, TRUSTED_PROXIES="127.0.0.1")
    async with served(trusted) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/whoami", headers=spoofed)).json()["client"] == "203.0.113.7"


def test_a_malformed_trusted_proxies_setting_is_refused_at_start_saying_which() -> None:
    from shared.settings import ConfigurationError
    from shared.web.proxies import TrustedProxies

    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        TrustedProxies("10.0.0.1, proxy.internal")
