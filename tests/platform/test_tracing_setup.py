"""Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; then spans go out by OTLP/HTTP."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from devstack import free_port
from shared.observability import tracing
from shared.settings import Settings
from tests.support.wait import until


@pytest.fixture
def collector() -> Iterator[tuple[str, list[str]]]:
    """A stand-in OpenTelemetry collector on a free port: it records the paths posted to it."""
    posted: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            posted.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", posted
    finally:
        server.shutdown()
        thread.join()


def test_without_an_endpoint_tracing_is_off_and_writes_no_header() -> None:
    assert Settings().otel_exporter_otlp_endpoint is None
    tracing.configure("bookings", None)
    assert not tracing.enabled()
    headers: dict[str, str] = {}
    with tracing.span("nothing"):
        tracing.inject(headers)
    assert headers == {}


def test_with_an_endpoint_spans_are_exported_by_otlp(
    collector: tuple[str, list[str]],
) -> None:
    url, posted = collector
    settings = Settings(OTEL_EXPORTER_OTLP_ENDPOINT=url)
    try:
        tracing.configure("bookings", settings.otel_exporter_otlp_endpoint)
        assert tracing.enabled()
        headers: dict[str, str] = {}
        with tracing.span("exported"):
            tracing.inject(headers)
        assert headers[tracing.TRACEPARENT].startswith("00-")
        tracing.force_flush()
        until(lambda: posted, timeout=10)
        assert posted[0] == "/v1/traces"
    finally:
        tracing.shutdown()
    assert not tracing.enabled()
