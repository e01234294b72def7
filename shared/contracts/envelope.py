"""The CloudEvents 1.0 envelope in Kafka binary content mode (``ce_*`` headers, JSON body)."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

_REQUIRED = ("ce_id", "ce_type", "ce_source", "ce_specversion")


class EnvelopeError(ValueError):
    """The message is not a CloudEvent this system can read."""


class CloudEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid4)
    type: str
    source: str
    specversion: str = SPEC_VERSION
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    datacontenttype: str = CONTENT_TYPE
    correlationid: str | None = None
    causationid: str | None = None
    data: dict[str, Any]

    def kafka_headers(self) -> dict[str, str]:
        return kafka_headers(
            self.id,
            self.type,
            self.source,
            self.time,
            subject=self.subject,
            correlationid=self.correlationid,
            causationid=self.causationid,
            specversion=self.specversion,
            datacontenttype=self.datacontenttype,
        )

    def kafka_value(self) -> bytes:
        return json.dumps(self.data, separators=(",", ":"), default=str).encode()

    @classmethod
    def from_kafka(cls, headers: Mapping[str, Any], value: bytes | None) -> "CloudEvent":
        text = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in headers.items()}
        missing = [name for name in _REQUIRED if name not in text]
        if missing:
            raise EnvelopeError(f"not a CloudEvent: missing headers {', '.join(missing)}")
        if text["ce_specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"unsupported CloudEvents specversion {text['ce_specversion']}")
        try:
            data = json.loads(value or b"null")
        except ValueError as exc:
            raise EnvelopeError(f"body is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise EnvelopeError("body is not a JSON object")
        try:
            return cls(
                id=text["ce_id"],
                type=text["ce_type"],
                source=text["ce_source"],
                specversion=text["ce_specversion"],
                time=text.get("ce_time") or datetime.now(UTC),
                subject=text.get("ce_subject"),
                datacontenttype=text.get("content-type", CONTENT_TYPE),
                correlationid=text.get("ce_correlationid"),
                causationid=text.get("ce_causationid"),
                data=data,
            )
        except ValidationError as exc:
            raise EnvelopeError(f"bad CloudEvents attributes: {exc.errors()[0]['msg']}") from exc


def kafka_headers(
    id: UUID,
    type: str,
    source: str,
    time: datetime,
    *,
    subject: str | None,
    correlationid: str | None,
    causationid: str | None,
    specversion: str = SPEC_VERSION,
    datacontenttype: str = CONTENT_TYPE,
) -> dict[str, str]:
    """A CloudEvent's attributes as its Kafka headers (binary content mode)."""
    headers = {
        "ce_id": str(id),
        "ce_type": type,
        "ce_source": source,
        "ce_specversion": specversion,
        "ce_time": time.isoformat(),
        "content-type": datacontenttype,
    }
    if subject is not None:
        headers["ce_subject"] = subject
    if correlationid is not None:
        headers["ce_correlationid"] = correlationid
    if causationid is not None:
        headers["ce_causationid"] = causationid
    return headers
