"""The correlation id of an HTTP request follows its events into the consumers that handle them."""

import uuid

import httpx
from sqlalchemy import select

from shared.runtime import ServiceRuntime
from shared.web.app import create_app
from tests.platform.kernel_app import Counted
from tests.support.wait import eventually


async def test_a_request_correlation_id_reaches_the_consumer(kernel: ServiceRuntime) -> None:
    app = create_app(kernel, title="kernel")

    @app.post("/count/{counter}")
    async def count(counter: str) -> dict[str, str]:
        async with kernel.transaction() as session:
            await kernel.outbox.add(session, Counted(counter=counter, n=1))
        return {"counter": counter}

    counter = f"h-{uuid.uuid4()}"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(f"/count/{counter}", headers={"X-Correlation-ID": "req-42"})
    assert response.status_code == 200

    ledger = kernel.metadata.tables["ledger"]

    async def correlation_ids() -> list[str | None]:
        async with kernel.sessions() as session:
            query = select(ledger.c.correlation_id).where(ledger.c.counter == counter)
            return list((await session.scalars(query)).all())

    assert await eventually(correlation_ids) == ["req-42"]
