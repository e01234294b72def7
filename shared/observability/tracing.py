"""OpenTelemetry traces from the HTTP request through the outbox and Kafka to the consumer and
the SMTP send, carried as W3C ``traceparent`` (in the outbox row's headers, then as a Kafka
header, then on the notification row).

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (or a test installs a provider): then every
function here returns at its first line, no span is made and no header is written.
The process-wide OpenTelemetry globals are left alone: this module keeps its own tracer.
"""

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
_propagator = TraceContextTextMapPropagator()
_tracer: Tracer | None = None
_provider: object | None = None


def enabled() -> bool:
    return _tracer is not None


def install(provider: trace.TracerProvider) -> None:
    """Trace through ``provider`` (an SDK TracerProvider) from now on."""
    global _tracer, _provider
    _provider = provider
    _tracer = provider.get_tracer("alliance")


def uninstall() -> None:
    global _tracer, _provider
    _tracer = None
    _provider = None


def force_flush() -> None:
    """Export what is buffered now (tests; a stopping process does it at exit)."""
    flush = getattr(_provider, "force_flush", None)
    if flush is not None:
        flush()


def shutdown() -> None:
    """Flush and stop exporting; tracing is off after."""
    stop = getattr(_provider, "shutdown", None)
    uninstall()
    if stop is not None:
        stop()


def configure(service: str, endpoint: str | None) -> None:
    """Export by OTLP over HTTP to ``endpoint`` (a collector's base URL); nothing if None."""
    if not endpoint or enabled():
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    install(provider)


def context_of(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    return _propagator.extract({TRACEPARENT: traceparent})


def current_traceparent() -> str | None:
    """The W3C traceparent of the span now running, or None (tracing off, or no span)."""
    if _tracer is None:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT)


def inject(headers: MutableMapping[str, str]) -> None:
    """Add the current span's ``traceparent`` to ``headers`` (nothing when tracing is off)."""
    value = current_traceparent()
    if value:
        headers[TRACEPARENT] = value


@contextmanager
def span(
    name: str,
    *,
    parent: str | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, str | int] | None = None,
) -> Iterator[Span]:
    """A span named ``name``, child of ``parent`` (a traceparent) if given, else of the
    current span. A no-op span when tracing is off."""
    if _tracer is None:
        yield trace.INVALID_SPAN
        return
    with _tracer.start_as_current_span(
        name, context=context_of(parent), kind=kind, attributes=attributes
    ) as current:
        yield current
