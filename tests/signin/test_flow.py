"""Signing in through the real local OpenID provider: the code flow, one session for the three
services on one host, ``next`` kept local, sign-out, forged and expired cookies refused."""

import base64
import json
import time

import itsdangerous
import pytest

from shared.web.signin import COOKIE, session_key
from tests.signin.conftest import HOST, PORTS, Services
from tests.support.signin import sign_in

EMAIL = "flow.person@example.org"


async def test_a_page_that_needs_sign_in_sends_the_person_there_and_back(
    services: Services,
) -> None:
    async with services.client() as browser:
        start = await browser.get("/")
        assert start.status_code == 303
        assert start.headers["location"] == "/signin?next=/"
        back = await sign_in(browser, EMAIL, next="/")
        assert back.status_code == 303
        assert back.headers["location"] == "/"
        page = await browser.get("/")
        assert page.status_code == 200
        assert EMAIL in page.text
        assert "Sign out" in page.text


async def test_the_session_cookie_is_signed_httponly_and_lax(services: Services) -> None:
    async with services.client() as browser:
        back = await sign_in(browser, EMAIL)
        cookie = next(c for c in back.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
        assert "httponly" in cookie.lower()
        assert "samesite=lax" in cookie.lower()
        assert "secure" not in cookie.lower()  # the public URL here is http


@pytest.mark.parametrize("service", ["brokerage", "notifications"])
async def test_signing_in_on_bookings_signs_in_on_every_port_of_the_host(
    services: Services, service: str
) -> None:
    async with services.client() as browser:
        before = await browser.get(f"{HOST}:{PORTS[service]}/")
        assert before.status_code == 303
        await sign_in(browser, EMAIL)
        after = await browser.get(f"{HOST}:{PORTS[service]}/")
        assert after.status_code == 200, after.text
        assert EMAIL in after.text


async def test_next_is_honoured_when_local(services: Services) -> None:
    async with services.client() as browser:
        back = await sign_in(browser, EMAIL, next="/catalogue?strand=cpd")
        assert back.headers["location"] == "/catalogue?strand=cpd"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.org/",
        "//evil.example.org/x",
        "/\\evil.example.org",
        "http:/evil.example.org",
        "javascript:alert(1)",
    ],
)
async def test_next_never_leaves_the_site(services: Services, target: str) -> None:
    async with services.client() as browser:
        back = await sign_in(browser, EMAIL, next=target)
        assert back.status_code == 303
        assert back.headers["location"] == "/"


async def test_sign_out_ends_the_session_everywhere(services: Services) -> None:
    async with services.client() as browser:
        await sign_in(browser, EMAIL)
        page = await browser.get("/")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        refused = await browser.post("/signout", data={"csrf_token": "1.forged"})
        assert refused.status_code == 403
        assert (await browser.get("/")).status_code == 200
        out = await browser.post("/signout", data={"csrf_token": token})
        assert out.status_code == 303
        for service, port in PORTS.items():
            again = await browser.get(f"{HOST}:{port}/")
            assert again.status_code == 303, service


def _cookie(services: Services, person: dict, signed_with: str) -> str:
    data = base64.b64encode(json.dumps({"person": person}).encode())
    return itsdangerous.TimestampSigner(signed_with).sign(data).decode()


async def test_a_forged_cookie_is_refused(services: Services) -> None:
    person = {"sub": "x", "email": "admin@odyssey-tsa.example.org", "name": "X", "exp": 2e9}
    async with services.client() as browser:
        browser.cookies.set(COOKIE, _cookie(services, person, "not-the-key"))
        assert (await browser.get("/")).status_code == 303
        # The same contents signed with the real key are accepted: the signature decides.
        browser.cookies.set(COOKIE, _cookie(services, person, session_key(services.settings)))
        assert (await browser.get("/")).status_code == 200


async def test_an_expired_session_is_refused(services: Services) -> None:
    person = {"sub": "x", "email": EMAIL, "name": "X", "exp": time.time() - 1}
    async with services.client() as browser:
        browser.cookies.set(COOKIE, _cookie(services, person, session_key(services.settings)))
        assert (await browser.get("/")).status_code == 303


async def test_the_callback_without_a_started_sign_in_is_refused(services: Services) -> None:
    async with services.client() as browser:
        response = await browser.get("/auth/callback", params={"code": "x", "state": "y"})
        assert response.status_code == 401
        assert COOKIE not in response.headers.get("set-cookie", "") or "person" not in str(
            browser.cookies
        )
