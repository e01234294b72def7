"""Reading raw Kafka records as CloudEvents, where the consumer can dead-letter what fails.

FastStream parses a batch (headers as UTF-8) and decodes its bodies (JSON, for
``content-type: application/json``) before a handler runs; there a bad message fails the whole
batch, outside the consumer's reach. ``lenient_parser`` and ``raw_decoder`` take those steps
out of FastStream's hands: the handler gets the message, its records exactly as they came, and
``read_event`` decodes each one, saying why when it cannot.
"""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiokafka import ConsumerRecord
from pydantic import ValidationError

from shared.contracts.base import EventData, UnknownEventType, registry
from shared.contracts.envelope import CloudEvent, EnvelopeError

Records = tuple[ConsumerRecord, ...]


class Undecodable(ValueError):
    """The message can never be read as an event this consumer knows; the reason says why."""


def records_of(raw: ConsumerRecord | Records) -> Records:
    return raw if isinstance(raw, tuple) else (raw,)


def _printable(record: ConsumerRecord) -> ConsumerRecord:
    headers = [(k, v.decode(errors="replace").encode()) for k, v in record.headers or ()]
    return replace(record, headers=headers)


async def lenient_parser(raw: ConsumerRecord | Records, original: Callable[..., Awaitable[Any]]):  # type: ignore[no-untyped-def]
    """FastStream's own parser, fed headers it cannot choke on (copies of the records with
    printable headers, made only when a header is not UTF-8); the records stay as received."""
    try:
        message = await original(raw)
    except UnicodeDecodeError:
        printable = tuple(_printable(record) for record in records_of(raw))
        message = await original(printable if isinstance(raw, tuple) else printable[0])
    message.raw_message = raw
    return message


async def raw_decoder(message: Any) -> Any:
    """No decoding by FastStream: the handler is given the message itself, and ``read_event``
    decodes its records one by one."""
    return message


def text_headers(record: ConsumerRecord) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in record.headers or ():
        try:
            headers[key] = value.decode() if isinstance(value, bytes) else str(value)
        except UnicodeDecodeError:
            raise Undecodable(f"header {key} is not UTF-8") from None
    return headers


def read_event(record: ConsumerRecord) -> CloudEvent:
    try:
        return CloudEvent.from_kafka(text_headers(record), record.value)
    except EnvelopeError as exc:
        raise Undecodable(str(exc)) from exc


def read_data(event: CloudEvent) -> EventData:
    try:
        model = registry.model_for(event.type)
    except UnknownEventType as exc:
        raise Undecodable(str(exc)) from exc
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Undecodable(f"invalid data for {event.type}: {where}: {first['msg']}") from exc
