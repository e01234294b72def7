"""Access logs (one record per request, off with ACCESS_LOG=false) and who may read /metrics."""

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from services.brokerage.app import build_app as build_brokerage
from shared.logs import configure_logging
from tests.observe.conftest import Observed
from tests.support.stack import Stack


@asynccontextmanager
async def unstarted(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` without its lifespan (no broker, no workers): enough for /metrics and /healthz."""
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await app.state.runtime.engine.dispose()


async def test_each_request_is_one_access_log_record(
    observed: Observed, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="alliance.access"):
        response = await observed.bookings.get(
            "/healthz", headers={"X-Correlation-ID": "access-log-1"}
        )
    assert response.status_code == 200
    records = [r for r in caplog.records if r.name == "alliance.access"]
    assert len(records) == 1
    record = records[0]
    assert (record.method, record.route, record.status) == ("GET", "/healthz", 200)  # type: ignore[attr-defined]
    assert record.correlation_id == "access-log-1"  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]


async def test_the_access_log_line_is_json_with_the_request_fields(
    observed: Observed, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    try:
        configure_logging("bookings")
        response = await observed.bookings.get(
            "/healthz", headers={"X-Correlation-ID": "access-log-2"}
        )
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
    assert response.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "{" in line]
    access = [line for line in lines if line.get("logger") == "alliance.access"]
    assert len(access) == 1
    assert {k: access[0][k] for k in ("method", "route", "status", "correlation_id")} == {
        "method": "GET",
        "route": "/healthz",
        "status": 200,
        "correlation_id": "access-log-2",
    }
    assert access[0]["service"] == "bookings"
    assert access[0]["duration_ms"] >= 0


async def test_access_log_false_logs_no_request(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    app = build_brokerage(stack.settings(ACCESS_LOG=False))
    async with unstarted(app) as client:
        with caplog.at_level(logging.INFO, logger="alliance.access"):
            assert (await client.get("/healthz")).status_code == 200
    assert not [r for r in caplog.records if r.name == "alliance.access"]


async def test_with_metrics_token_set_metrics_needs_it(stack: Stack) -> None:
    app = build_brokerage(stack.settings(METRICS_TOKEN="scrape-secret"))
    async with unstarted(app) as client:
        refused = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        allowed = await client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert refused.status_code == wrong.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "alliance_" not in refused.text
    assert allowed.status_code == 200
    assert "alliance_outbox_pending" in allowed.text


async def test_metrics_is_not_in_the_openapi_document(observed: Observed) -> None:
    document = (await observed.bookings.get("/openapi.json")).json()
    assert "/metrics" not in document["paths"]
