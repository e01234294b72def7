"""CPU of the bookings service's HTTP layer per booking request, in process (run by hand).

    .venv/bin/python bench/http_layer.py [--requests 5000]

Builds the real bookings app (no database: its lifespan is not run) and books through the real
``POST /courses/{id}/bookings`` with the course's queue (``course_queue.take_turn``, where the
database work starts) answering at once with a stored booking: what is measured is everything
a booking request costs outside the database (middlewares, routing, FastAPI's dependencies
and body validation, the use case's checks and idempotency fingerprint, the response). Each
request goes through the app's whole ASGI stack, then once more with the user middlewares
removed; prints CPU microseconds per request of both and their difference (the middlewares),
and the Python function calls of one request (exact, unlike the CPU time). CPU time of this
process only, so a loaded machine inflates it less than wall time; repeat and take the
smallest.
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

from services.bookings.app import build_app  # noqa: E402
from services.bookings.domain.model import BookingStatus  # noqa: E402
from services.bookings.usecases import course_queue  # noqa: E402
from services.bookings.usecases.read_models import (  # noqa: E402
    BookingResult,
    BookingView,
    ContactView,
    SchoolRefView,
)
from shared.logs import configure_logging  # noqa: E402
from shared.web.auth import issue_token  # noqa: E402

COURSE = UUID("5d1e7b4c-6c57-4a43-9a3c-1f5d0c1e2a90")


def answer_at_once() -> None:
    """The course's queue answers every request with one confirmed booking, at once."""
    booked = BookingResult(
        booking=BookingView(
            id=uuid4(),
            course_id=COURSE,
            course_title="Bench course",
            status=BookingStatus.CONFIRMED,
            school=SchoolRefView(urn="100001", name="Bench School"),
            participant=ContactView(name="Bench Person", email="p@bench.org"),
            booker=ContactView(name="Bench Lead", email="lead@bench.org"),
            access_needs=None,
            price_pence=12_000,
            created_at=datetime.now(UTC),
            url=f"http://127.0.0.1:8001/bookings/{uuid4()}",
        )
    )

    async def take_turn(*_: Any) -> BookingResult:
        return booked

    course_queue.take_turn = take_turn  # type: ignore[assignment]


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
        "path": f"/courses/{COURSE}/bookings",
        "raw_path": f"/courses/{COURSE}/bookings".encode(),
        "query_string": b"",
        "headers": headers,
        "state": {},
    }


def booking_body() -> bytes:
    participant = {"name": "Bench Person", "email": f"p-{uuid4().hex}@bench.org"}
    return json.dumps({"school_urn": "100001", "participant": participant}).encode()


async def book_once(app: Any, token: str, body: bytes, statuses: list[int]) -> None:
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


async def run(app: Any, token: str, n: int) -> float:
    """CPU microseconds per request over ``n`` requests (after 200 to warm up)."""
    statuses: list[int] = []
    for _ in range(200):
        await book_once(app, token, booking_body(), statuses)
    started = time.process_time()
    for _ in range(n):
        await book_once(app, token, booking_body(), statuses)
    used = time.process_time() - started
    if set(statuses) != {201}:
        raise SystemExit(f"unexpected statuses: {sorted(set(statuses))}")
    return used * 1e6 / n


async def calls(app: Any, token: str) -> tuple[int, int]:
    """Python function calls and calls into C of one request (after warming up)."""
    statuses: list[int] = []
    for _ in range(20):
        await book_once(app, token, booking_body(), statuses)
    counts = {"call": 0, "c_call": 0}

    def count(_frame: Any, event: str, _arg: Any) -> None:
        if event in counts:
            counts[event] += 1

    body = booking_body()
    sys.setprofile(count)
    try:
        await book_once(app, token, body, statuses)
    finally:
        sys.setprofile(None)
    if set(statuses) != {201}:
        raise SystemExit(f"unexpected statuses: {sorted(set(statuses))}")
    return counts["call"], counts["c_call"]


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
    answer_at_once()
    full = build_app()
    bare = build_app()
    bare.user_middleware = []
    loop = asyncio.new_event_loop()
    python_calls, c_calls = loop.run_until_complete(calls(full, token))
    bare_python, bare_c = loop.run_until_complete(calls(bare, token))
    print(
        f"calls per request: whole app {python_calls} Python + {c_calls} C, without the user "
        f"middlewares {bare_python} + {bare_c}",
        file=sys.__stdout__,
    )
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
