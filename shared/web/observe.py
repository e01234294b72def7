"""Every HTTP request measured (by route template and status), logged (one JSON line, unless
``ACCESS_LOG=false``) and, when tracing is on, traced as a server span whose ``traceparent``
(from the client, or new) the outbox carries on. Nothing here touches the database."""

import logging
import time
from contextlib import AbstractContextManager
from typing import Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.context import correlation_id
from shared.observability import tracing
from shared.observability.metrics import Metrics

access_log = logging.getLogger("alliance.access")

UNMATCHED = "unmatched"
"""The route label of a request no route took (a 404): never the raw path, which would let
any client make new series."""


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, log_requests: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.log_requests = log_requests
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        """The request counter and latency histogram of each (method, route, status), looked
        up once: as many as the registry holds anyway (routes are templates)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if not tracing.enabled():
                await self.app(scope, receive, send_recording)
                return
            with self._server_span(scope) as span:
                try:
                    await self.app(scope, receive, send_recording)
                finally:
                    self._finish(span, scope, status)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _server_span(self, scope: Scope) -> AbstractContextManager[Span]:
        """A server span, child of the client's ``traceparent`` if it sent one."""
        headers = dict(scope.get("headers") or [])
        parent = headers.get(tracing.TRACEPARENT.encode(), b"").decode("latin-1") or None
        method = scope["method"]
        return tracing.span(
            f"{method} {scope['path']}",
            parent=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope["path"]},
        )

    def _finish(self, span: Span, scope: Scope, status: int) -> None:
        route = route_of(scope)
        span.update_name(f"{scope['method']} {route}")
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        if correlation_id.get():
            span.set_attribute("alliance.correlation_id", str(correlation_id.get()))
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"]
        route = route_of(scope)
        series = self._series.get((method, route, status))
        if series is None:
            series = self._series[method, route, status] = (
                self.metrics.http_requests.labels(method, route, str(status)),
                self.metrics.http_latency.labels(method, route),
            )
        requests, latency = series
        requests.inc()
        latency.observe(seconds)
        if self.log_requests and access_log.isEnabledFor(logging.INFO):
            # made here rather than by .info(): the logger would walk the stack for the caller
            record = access_log.makeRecord(
                access_log.name,
                logging.INFO,
                __file__,
                0,
                "request",
                (),
                None,
                extra={
                    "method": method,
                    "route": route,
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "correlation_id": correlation_id.get(),
                },
            )
            access_log.handle(record)
