"""The outbox rows a lot of events is written as (``Outbox.rows``) are those of each event's
CloudEvent envelope (``Outbox.envelope``), built without the envelope: the same headers, the
same payload, only a new id and the time now."""

from collections.abc import Callable
from contextvars import copy_context
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import MetaData

from shared.context import causation_id, correlation_id
from shared.contracts.envelope import CloudEvent
from shared.messaging.outbox import Outbox
from shared.storage.tables import outbox_table
from tests.platform.kernel_app import Counted

OUTBOX = Outbox(outbox_table(MetaData()), "/alliance/kernel-test")


def enveloped(data: Counted) -> dict[str, Any]:
    return OUTBOX._row(OUTBOX.envelope(data), data)


def in_request(causation: str | None, run: Callable[[], Any]) -> Any:
    """``run`` in a context of its own, as a request's, with its correlation and causation."""

    def request() -> Any:
        correlation_id.set("the-request")
        causation_id.set(causation)
        return run()

    return copy_context().run(request)


@pytest.mark.parametrize("causation", [None, "3f6c1f2e-5b1e-4f7a-9c55-1d2b7c0e9a10"])
def test_rows_are_the_envelopes_rows_but_for_id_and_time(causation: str | None) -> None:
    items = [Counted(counter="c-1", n=1), Counted(counter="c-Zoë", n=2)]
    before = datetime.now(UTC)
    rows, expected_rows = in_request(
        causation, lambda: (OUTBOX.rows(items), [enveloped(data) for data in items])
    )
    after = datetime.now(UTC)

    assert len(rows) == len(items)
    for row, expected in zip(rows, expected_rows, strict=True):
        headers, want = dict(row["headers"]), dict(expected["headers"])
        assert isinstance(row["event_id"], UUID)
        assert headers.pop("ce_id") == str(row["event_id"])
        assert before <= datetime.fromisoformat(headers.pop("ce_time")) <= after
        want.pop("ce_id"), want.pop("ce_time")
        assert headers == want
        assert list(row["headers"]) == list(expected["headers"])
        assert {k: v for k, v in row.items() if k not in ("event_id", "headers")} == {
            k: v for k, v in expected.items() if k not in ("event_id", "headers")
        }
    assert rows[0]["event_id"] != rows[1]["event_id"]


def test_a_row_is_read_back_as_its_envelope() -> None:
    [row] = in_request(None, lambda: OUTBOX.rows([Counted(counter="c-1", n=1)]))
    event = CloudEvent.from_kafka(row["headers"], b'{"counter":"c-1","n":1}')
    assert event.id == row["event_id"]
    assert event.type == Counted.event_type
    assert event.correlationid == "the-request"
    assert event.time.tzinfo is not None
