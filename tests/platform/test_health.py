from services.bookings.app import build_app
from services.bookings.config import BookingsSettings
from tests.support.apps import running_app
from tests.support.stack import Stack


async def test_service_reports_alive_and_ready(stack: Stack) -> None:
    async with running_app(build_app, stack.settings(BookingsSettings)) as (_, client):
        assert (await client.get("/healthz")).json()["status"] == "ok"
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        asyncapi = (await client.get("/asyncapi.json")).json()
        assert asyncapi["asyncapi"] == "3.0.0"
        assert "uk.alliance.bookings.booking_confirmed.v1" in asyncapi["operations"]


async def test_a_stalled_broker_makes_the_service_unready_and_it_recovers(stack: Stack) -> None:
    async with running_app(build_app, stack.settings(BookingsSettings)) as (_, client):
        stack.kafka.pause()
        try:
            stalled = await client.get("/readyz")
        finally:
            stack.kafka.resume()
        assert stalled.status_code == 503
        assert stalled.headers["content-type"] == "application/problem+json"
        assert set(stalled.json()["checks"]) == {"broker"}
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200


async def test_readiness_names_the_unreachable_database(stack: Stack) -> None:
    settings = stack.settings(
        BookingsSettings, BOOKINGS_DATABASE_URL=stack.database_url("no_such_database")
    )
    app = build_app(settings)
    problems = await app.state.runtime.readiness()
    assert "database" in problems
    assert "no_such_database" in problems["database"]
    await app.state.runtime.engine.dispose()


async def test_a_request_while_the_database_is_unreachable_is_a_503_problem(stack: Stack) -> None:
    import httpx

    from devstack import free_port

    closed = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/bookings"
    app = build_app(stack.settings(BookingsSettings, BOOKINGS_DATABASE_URL=closed))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/courses")
    await app.state.runtime.engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert "cannot reach its database" in response.json()["detail"]


async def test_text_the_database_cannot_store_is_a_422_problem_not_a_500(stack: Stack) -> None:
    async with running_app(build_app, stack.settings(BookingsSettings)) as (_, client):
        response = await client.get("/courses", params={"alliance": "odyssey\x00tsa"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "cannot be stored" in response.json()["detail"]
