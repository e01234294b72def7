"""The CSRF middleware's own headers on a page that mints a nonce."""

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from shared.web.csrf import COOKIE, Csrf, CsrfMiddleware

CSRF = Csrf(b"k" * 32)


async def form(request: Request) -> HTMLResponse:
    return HTMLResponse(f"<input value='{CSRF.token(request)}'>")


async def cached_form(request: Request) -> HTMLResponse:
    return HTMLResponse(
        f"<input value='{CSRF.token(request)}'>", headers={"Cache-Control": "private, no-cache"}
    )


def client() -> httpx.AsyncClient:
    app = CsrfMiddleware(
        Starlette(routes=[Route("/form", form), Route("/cached", cached_form)]), csrf=CSRF
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_a_page_minting_a_nonce_is_not_stored_by_caches() -> None:
    async with client() as http:
        response = await http.get("/form")
    assert COOKIE in response.headers["set-cookie"]
    assert response.headers.get_list("cache-control") == ["no-store"]


async def test_the_page_own_cache_control_is_kept_and_not_doubled() -> None:
    async with client() as http:
        response = await http.get("/cached")
    assert COOKIE in response.headers["set-cookie"]
    assert response.headers.get_list("cache-control") == ["private, no-cache"]
