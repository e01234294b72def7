"""CPU of the bookings service's HTTP layer per booking request, in process (run by hand).

    .venv/bin/python bench/http_layer.py [--requests 5000]

Builds the real bookings app (no database: its lifespan is not run) and adds one route with
the booking endpoint's signature (bearer token, body, ``Idempotency-Key``) whose use case is
skipped: it answers the same 201 JSON a booking does. Each request goes through the app's
whole ASGI stack (middlewares, routing, FastAPI's dependencies and body validation), then
once more with the user middlewares removed; prints CPU microseconds per request of both and
their difference (the middlewares). CPU time of this process only, so a loaded machine
inflates it less than wall time; repeat and take the smallest.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

SECRET = "bench-http-layer-" + "x" * 40
os.environ.update(
    JWT_SECRET=SECRET,
    BOOKINGS_DATABASE_URL="postgresql+asyncpg://bench@127.0.0.1:1/bench",
    KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
    ACCESS_LOG=os.environ.get("ACCESS_LOG", "true"),
)

from fastapi import FastAPI  # noqa: E402
from fastapi.responses import Response  # noqa: E402

from services.bookings.api import bookings as api  # noqa: E402
from services.bookings.app import build_app  # noqa: E402
from shared.logs import configure_logging  # noqa: E402
from shared.web.auth import issue_token  # noqa: E402

COURSE = UUID("5d1e7b4c-6c57-4a43-9a3c-1f5d0c1e2a90")


def add_bench_route(app: FastAPI) -> None:
    async def book(
        ctx: api.Ctx,
        principal: api.AnyPrincipal,
        course_id: UUID,
        body: api.BookingIn,
        key: api.IdempotencyKey,
    ) -> Response:
        answer = {
            "id": str(uuid4()),
            "course_id": str(course_id),
            "participant": body.participant.model_dump(),
            "created_at": datetime.now(UTC).isoformat(),
        }
        return Response(json.dumps(answer), 201, media_type="application/json")

    app.add_api_route("/bench/{course_id}/bookings", book, methods=["POST"], status_code=201)
    app.router.routes.insert(0, app.router.routes.pop())  # matched first, as a hot route would be


def scope_for(token: str, body: bytes) -> dict[str, Any]:
    headers = [
        (b"host", b"127.0.0.1:8001"),
        (b"accept", b"*/*"),
        (b"accept-encoding", b"gzip, deflate"),
        (b"connection", b"keep-alive"),
        (b"user-agent", b"python-httpx/0.28.1"),
        (b"authorization", f"Bearer {token}".encode()),
        (b"idempotency-key", uuid4().hex.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8001),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "POST",
        "root_path": "",
        "path": f"/bench/{COURSE}/bookings",
        "raw_path": f"/bench/{COURSE}/bookings".encode(),
        "query_string": b"",
        "headers": headers,
        "state": {},
    }


async def run(app: Any, token: str, n: int) -> float:
    """CPU microseconds per request over ``n`` requests (after 200 to warm up)."""
    statuses: list[int] = []

    async def one() -> None:
        body = json.dumps(
            {
                "school_urn": "100001",
                "participant": {"name": "Bench Person", "email": f"p-{uuid4().hex}@bench.org"},
            }
        ).encode()
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope_for(token, body), receive, send)

    for _ in range(200):
        await one()
    started = time.process_time()
    for _ in range(n):
        await one()
    used = time.process_time() - started
    if set(statuses) != {201}:
        raise SystemExit(f"unexpected statuses: {sorted(set(statuses))}")
    return used * 1e6 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    configure_logging("bookings")
    logs = open(os.devnull, "w")  # noqa: SIM115 - the access log's cost, not the terminal's
    sys.stderr = logs
    import logging

    logging.getLogger().handlers[0].setStream(logs)  # type: ignore[attr-defined]
    token = issue_token(
        SECRET,
        role="school_lead",
        alliance_id="bench",
        subject="bench-lead",
        school_urn="100001",
        email="lead@bench.org",
    )
    full = build_app()
    add_bench_route(full)
    bare = build_app()
    add_bench_route(bare)
    bare.user_middleware = []
    loop = asyncio.new_event_loop()
    with_mw = min(
        loop.run_until_complete(run(full, token, args.requests)) for _ in range(args.repeat)
    )
    without = min(
        loop.run_until_complete(run(bare, token, args.requests)) for _ in range(args.repeat)
    )
    print(
        f"CPU per request: whole app {with_mw:.0f} µs, without the user middlewares "
        f"{without:.0f} µs, middlewares {with_mw - without:.0f} µs",
        file=sys.__stdout__,
    )


if __name__ == "__main__":
    main()
