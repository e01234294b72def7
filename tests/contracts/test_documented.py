"""The kernel's answers and its documents agree: problems are problem+json with their headers,
a 405 says what is allowed, malformed JSON is always 400, and the OpenAPI document says so,
with security only where a token is needed."""

from collections.abc import AsyncIterator
from importlib import import_module
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field

from devstack.settings import SERVICES
from services.bookings.tables import metadata
from shared.identity import Principal, Role
from shared.runtime import ServiceRuntime
from shared.web.app import create_app
from shared.web.auth import issue_token, optional_principal, require_roles
from shared.web.documented import PROBLEM_JSON, documents, problems
from shared.web.ratelimit import RateLimit
from tests.contracts.openapi import current_document, settings_for_documents


class Thing(BaseModel):
    name: str = Field(min_length=1)


@documents(503)
def database() -> None:
    """Stands for a service's context: whatever reaches the database."""


def build() -> FastAPI:
    settings = settings_for_documents("bookings")
    app = create_app(ServiceRuntime("bookings", settings, metadata), title="test")
    limited = RateLimit(1, "test").dependency()

    @app.post("/things", responses=problems(409))
    async def add_thing(
        thing: Thing,
        principal: Annotated[Principal, Depends(require_roles(Role.COORDINATOR))],
        _: Annotated[None, Depends(database)],
    ) -> Thing:
        return thing

    @app.get("/things", dependencies=[Depends(limited)])
    async def list_things(
        principal: Annotated[Principal | None, Depends(optional_principal)],
    ) -> list[Thing]:
        return []

    @app.get("/public")
    async def public() -> dict[str, str]:
        return {}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def bearer(role: str) -> dict[str, str]:
    settings = settings_for_documents("bookings")
    assert settings.jwt_secret is not None
    token = issue_token(
        settings.jwt_secret.get_secret_value(), role=role, alliance_id="a", subject=role
    )
    return {"Authorization": f"Bearer {token}"}


def coordinator() -> dict[str, str]:
    return bearer("coordinator")


async def test_a_method_the_path_does_not_take_is_405_with_allow(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/things")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"name": ', "application/json"),
        (b"\xff\xfe not utf-8", "application/json"),
        (b"[1, 2", "application/json"),
        (b"{'name': 'single quotes'}", "application/json"),
    ],
)
async def test_malformed_json_is_always_400(
    client: httpx.AsyncClient, body: bytes, content_type: str
) -> None:
    response = await client.post(
        "/things", content=body, headers={"content-type": content_type, **coordinator()}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Malformed JSON"


async def test_well_formed_json_that_breaks_the_rules_is_422_field_by_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/things", json={"name": ""}, headers=coordinator())
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert [e["field"] for e in response.json()["errors"]] == ["name"]


def test_the_document_says_what_the_dependencies_answer() -> None:
    document = build().openapi()
    add = document["paths"]["/things"]["post"]
    assert add["security"] == [{"HTTPBearer": []}]
    assert set(add["responses"]) == {"200", "400", "401", "403", "409", "422", "503"}
    for status in ("400", "401", "403", "409", "422", "503"):
        assert add["responses"][status]["content"] == {
            PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    assert "WWW-Authenticate" in add["responses"]["401"]["headers"]
    assert "Retry-After" in add["responses"]["503"]["headers"]

    listing = document["paths"]["/things"]["get"]
    assert listing["security"] == [{}, {"HTTPBearer": []}], "a token is taken, not needed"
    assert "Retry-After" in listing["responses"]["429"]["headers"]
    assert "400" not in listing["responses"], "no body, so no malformed JSON"

    assert "security" not in document["paths"]["/public"]["get"]
    assert "security" not in document["paths"]["/healthz"]["get"]


def test_the_problem_schema_replaces_fastapis_validation_error() -> None:
    schemas = build().openapi()["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])
    assert schemas["FieldError"]["required"] == ["field", "message"]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_every_problem_a_service_documents_is_problem_json_or_a_page(service: str) -> None:
    document = current_document(service)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert set(response["content"]) <= {PROBLEM_JSON, "text/html"}, (
                    f"{method} {path} {status}"
                )
        if path not in ("/healthz", "/asyncapi.json"):
            assert "503" in operation["responses"], f"{method} {path} touches the database"


@pytest.mark.parametrize(
    ("service", "path", "method"),
    [
        ("bookings", "/courses", "get"),
        ("bookings", "/courses/{course_id}", "get"),
        ("brokerage", "/support-requests", "post"),
        ("brokerage", "/support-requests/new", "get"),
        ("bookings", "/healthz", "get"),
    ],
)
def test_public_operations_need_no_token(service: str, path: str, method: str) -> None:
    operation = current_document(service)["paths"][path][method]
    assert operation.get("security") in (None, [{}, {"HTTPBearer": []}])


def test_the_staff_page_documents_that_an_empty_filter_means_any() -> None:
    """Found by schemathesis: a browser sends ``event_id=`` and the page takes it."""
    page = current_document("notifications")["paths"]["/notifications/page"]["get"]
    event_id = next(p for p in page["parameters"] if p["name"] == "event_id")
    # Any text up to its length: the page itself says, as a GOV.UK error, what it cannot read.
    assert event_id["schema"]["type"] == "string" and "minLength" not in event_id["schema"]


@pytest.fixture
def service_client() -> Any:
    """A service's app before it touches its database: what is refused before any use case."""

    def client(service: str) -> httpx.AsyncClient:
        build = import_module(f"services.{service}.app").build_app
        app = build(settings_for_documents(service))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://test")

    return client


async def test_a_service_path_lists_every_method_it_takes(service_client: Any) -> None:
    async with service_client("bookings") as client:
        response = await client.delete(f"/courses/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH"


# Found by schemathesis: values outside the document that were taken anyway.
@pytest.mark.parametrize(
    ("service", "method", "path", "body", "field"),
    [
        ("bookings", "GET", "/courses?starts_from=0", None, "query.starts_from"),
        ("bookings", "GET", "/courses?starts_to=20260301", None, "query.starts_to"),
        (
            "bookings",
            "PUT",
            "/schools/115678",
            {
                "name": "A",
                "cpd_lead_name": "B",
                "cpd_lead_email": "b@example.org",
                "requires_approval": 0,
            },
            "requires_approval",
        ),
        (
            "bookings",
            "POST",
            f"/bookings/{'0' * 8}-0000-0000-0000-{'0' * 12}/cancel",
            {"waive_fee": 1},
            "waive_fee",
        ),
    ],
)
async def test_a_value_outside_the_document_is_refused(
    service_client: Any, service: str, method: str, path: str, body: Any, field: str
) -> None:
    async with service_client(service) as client:
        response = await client.request(method, path, json=body, headers=bearer("alliance_admin"))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_brokerage_document_states_its_rules() -> None:
    """Found by schemathesis: rules the service kept that its document did not state."""
    document = current_document("brokerage")
    schemas = document["components"]["schemas"]
    request = schemas["SupportRequestIn"]["properties"]
    assert request["consent_to_share"]["const"] is True
    assert request["areas"]["uniqueItems"] is True
    patch = schemas["SlePatch"]["properties"]
    assert "anyOf" not in patch["name"], "a patch may not set a name to null"
    assert {"type": "null"} in patch["phone"]["anyOf"], "a phone can be removed"
    form = document["paths"]["/support-requests/new"]["get"]
    assert [(p["name"], p["required"]) for p in form["parameters"]] == [("alliance", True)]
