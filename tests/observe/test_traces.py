"""One booking is one trace: the HTTP request, the outbox relay's publish, the consumer in
notifications and each SMTP send share its trace id, each span the child of the one before."""

import secrets

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from tests.e2e.test_emails import BookingsWorld, mail_for
from tests.observe.conftest import Observed
from tests.support.wait import eventually


def chain(span: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    """``span`` and its ancestors, nearest first."""
    by_id = {s.context.span_id: s for s in spans}
    found = [span]
    while found[-1].parent is not None and found[-1].parent.span_id in by_id:
        found.append(by_id[found[-1].parent.span_id])
    return found


async def test_a_booking_is_one_trace_from_the_http_request_to_the_smtp_send(
    observed: Observed,
) -> None:
    run = secrets.token_hex(4)
    world = BookingsWorld(observed, run)  # type: ignore[arg-type]
    school = await world.school(1)
    course = await world.course("Traced from end to end")
    observed.spans.clear()
    correlation = f"trace-{run}"
    response = await observed.bookings.post(
        f"/courses/{course}/bookings",
        json={
            "school_urn": school["urn"],
            "participant": {"name": "Sam", "email": f"sam@{run}.example.org", "role": "Teacher"},
        },
        headers={**school["auth"], "Idempotency-Key": run, "X-Correlation-ID": correlation},
    )
    assert response.status_code == 201, response.text
    await mail_for(observed, run, 2)  # type: ignore[arg-type]

    async def sends() -> list[ReadableSpan]:
        return [s for s in observed.spans.get_finished_spans() if s.name == "smtp send"]

    smtp = await eventually(sends, lambda found: len(found) >= 2, timeout=30)
    spans = list(observed.spans.get_finished_spans())
    server = next(
        s
        for s in spans
        if s.kind == SpanKind.SERVER and s.name == "POST /courses/{course_id}/bookings"
    )
    assert server.parent is None
    assert server.attributes["http.response.status_code"] == 201
    assert server.attributes["alliance.correlation_id"] == correlation
    for send in smtp:
        assert send.context.trace_id == server.context.trace_id
        path = chain(send, spans)
        assert [(s.name, s.kind) for s in path] == [
            ("smtp send", SpanKind.CLIENT),
            ("bookings.events.v1 process", SpanKind.CONSUMER),
            ("bookings.events.v1 publish", SpanKind.PRODUCER),
            ("POST /courses/{course_id}/bookings", SpanKind.SERVER),
        ]
        assert path[-1] is server


async def test_a_client_traceparent_is_the_parent_of_the_request_span(
    observed: Observed,
) -> None:
    trace_id = secrets.token_hex(16)
    parent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    response = await observed.bookings.get("/healthz", headers={"traceparent": parent})
    assert response.status_code == 200
    span = next(
        s
        for s in reversed(observed.spans.get_finished_spans())
        if s.name == "GET /healthz" and format(s.context.trace_id, "032x") == trace_id
    )
    assert span.kind == SpanKind.SERVER
