"""The three services as real HTTP servers for schemathesis: each in a thread of its own (the
generated tests are synchronous), on the test stack's PostgreSQL, with a broker and SMTP server
of their own so that no other test's consumers or mail are in the way."""

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from devstack import free_port
from shared.settings import ServiceSettings
from tests.support.wait import until


@dataclass
class Requests:
    """How many requests the server was sent, by HTTP method."""

    seen: Counter[str] = field(default_factory=Counter)

    def counted(self, app: ASGIApp) -> ASGIApp:
        async def counting(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                self.seen[scope["method"]] += 1
            await app(scope, receive, send)

        return counting


@dataclass
class Running:
    service: str
    url: str
    requests: Requests


@contextmanager
def serving(service: str, settings: ServiceSettings) -> Iterator[Running]:
    """``service``'s app behind uvicorn on a free port until the block ends."""
    requests = Requests()
    app = import_module(f"services.{service}.app").build_app(settings)
    port = free_port()
    config = uvicorn.Config(
        requests.counted(app),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    until(
        lambda: server.started or not thread.is_alive(),
        timeout=30,
        message=f"{service} started for schemathesis",
    )
    if not server.started:
        raise RuntimeError(f"{service} did not start for schemathesis")
    try:
        yield Running(service, f"http://127.0.0.1:{port}", requests)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
