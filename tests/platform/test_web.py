"""Authentication, roles and problem details, as every service's HTTP app has them."""

import time
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field

from services.bookings.config import BookingsSettings
from services.bookings.tables import metadata
from shared.runtime import ServiceRuntime
from shared.web.app import create_app
from shared.web.auth import Principal, Role, require_roles
from shared.web.problems import Conflict
from tests.support.stack import Stack


class Thing(BaseModel):
    name: str = Field(min_length=1)
    days: float = Field(ge=0.5)


def build(stack: Stack) -> FastAPI:
    app = create_app(
        ServiceRuntime("bookings", stack.settings(BookingsSettings), metadata), title="test"
    )

    @app.get("/mine")
    async def mine(
        principal: Annotated[Principal, Depends(require_roles(Role.COORDINATOR))],
    ) -> dict[str, str]:
        return {"alliance": principal.alliance_id}

    @app.post("/things")
    async def things(thing: Thing) -> Thing:
        if thing.name == "taken":
            raise Conflict("that name is taken", current_state="taken")
        return thing

    @app.get("/boom")
    async def boom() -> None:
        raise ZeroDivisionError

    return app


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build(stack), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_no_token_is_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/mine")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == "a bearer token is required"


async def test_a_token_signed_with_another_key_is_401(client: httpx.AsyncClient) -> None:
    forged = jwt.encode(
        {
            "sub": "x",
            "roles": ["coordinator"],
            "alliance_id": "a",
            "exp": time.time() + 60,
            "iss": "alliance-local",
            "aud": "alliance",
        },
        "not-the-secret-not-the-secret-not-the-secret",
        algorithm="HS256",
    )
    response = await client.get("/mine", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert "invalid token" in response.json()["detail"]


async def test_an_expired_token_is_401(stack: Stack, client: httpx.AsyncClient) -> None:
    expired = jwt.encode(
        {
            "sub": "x",
            "roles": ["coordinator"],
            "alliance_id": "a",
            "exp": time.time() - 5,
            "iss": "alliance-local",
            "aud": "alliance",
        },
        stack.jwt_secret,
        algorithm="HS256",
    )
    response = await client.get("/mine", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401


async def test_the_wrong_role_is_403_and_the_right_one_sees_its_alliance(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    denied = await client.get("/mine", headers=stack.auth("participant", "a1"))
    assert denied.status_code == 403
    allowed = await client.get("/mine", headers=stack.auth("coordinator", "a1"))
    assert allowed.json() == {"alliance": "a1"}


async def test_invalid_input_is_422_problem_field_by_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "", "days": 0.1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"name", "days"}


async def test_malformed_json_is_a_400_problem_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/things", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["title"] == "Malformed JSON"


async def test_domain_conflicts_are_409_problems_with_their_facts(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/things", json={"name": "taken", "days": 1})
    assert response.status_code == 409
    assert response.json()["current_state"] == "taken"


async def test_an_unexpected_error_is_a_500_problem_without_internals(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "ZeroDivision" not in response.text


async def test_the_correlation_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Correlation-ID": "abc-123"})
    assert response.headers["x-correlation-id"] == "abc-123"


def test_secrets_compare_equal_only_when_equal_whatever_the_text() -> None:
    from shared.web.compare import same_secret

    assert same_secret("abc", "abc")
    assert not same_secret("abc", "abd")
    assert not same_secret("abc", "ábc")
    assert not same_secret("abc", "")
