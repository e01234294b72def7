"""Publishing contract events as a producing service would, and reading what was mailed."""

from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar
from uuid import UUID, uuid4

from aiokafka import AIOKafkaProducer

from devstack.mail import read_maildir, wait_for_messages_async
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent

FAST_DELIVERY = {
    "NOTIFICATIONS_SMTP_TIMEOUT_S": 1.0,
    "NOTIFICATIONS_RETRY_BASE_S": 0.2,
    "NOTIFICATIONS_RETRY_MAX_S": 1.0,
    "NOTIFICATIONS_MAX_ATTEMPTS": 40,
    "NOTIFICATIONS_POLL_INTERVAL_S": 0.2,
}


T = TypeVar("T")


def fast_delivery(**overrides: object) -> dict[str, object]:
    """Settings (by variable) for ``stack.settings``: quick retries and polls."""
    return {**FAST_DELIVERY, **overrides}


def envelope(data: EventData, event_id: UUID | None = None, source: str = "") -> CloudEvent:
    stream = data.topic.split(".")[0]
    return CloudEvent(
        id=event_id or uuid4(),
        type=data.event_type,
        source=source or f"/alliance/{stream}",
        subject=data.subject(),
        data=data.model_dump(mode="json"),
    )


async def publish_event(
    producer: AIOKafkaProducer, topic: str, key: str, event: CloudEvent
) -> None:
    headers = [(k, v.encode()) for k, v in event.kafka_headers().items()]
    await producer.send_and_wait(topic, event.kafka_value(), key=key.encode(), headers=headers)


async def publish(
    producer: AIOKafkaProducer, data: EventData, event_id: UUID | None = None
) -> CloudEvent:
    event = envelope(data, event_id)
    await publish_event(producer, data.topic, data.key(), event)
    return event


def to_address(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec.lower()


def mail_to(maildir: Path, run: str) -> list[EmailMessage]:
    return [m for m in read_maildir(maildir) if run in to_address(m)]


async def wait_for_mail(
    maildir: Path, run: str, count: int, timeout_s: float = 30.0
) -> list[EmailMessage]:
    return await wait_for_messages_async(maildir, lambda m: run in to_address(m), count, timeout_s)


def per_address(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(to_address(m) for m in messages)


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()
