"""Versioned event contracts: one Pydantic model per event type, registered by type name.

A type name is ``uk.alliance.<stream>.<event>.v<N>``. Adding an optional field is a compatible
change; anything else is a new version with a new class.
"""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

TYPE_PREFIX = "uk.alliance"


class UnknownEventType(LookupError):
    pass


class EventData(BaseModel):
    """Base of every event's data. Subclasses set ``event_type``, ``topic`` and ``key_field``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]
    key_field: ClassVar[str]

    def key(self) -> str:
        return str(getattr(self, self.key_field))

    def subject(self) -> str:
        return self.key()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is not None:
            registry.register(cls)


class EventRegistry:
    def __init__(self) -> None:
        self._types: dict[str, type[EventData]] = {}

    def register(self, model: type[EventData]) -> None:
        existing = self._types.get(model.event_type)
        if existing is not None and existing.__qualname__ != model.__qualname__:
            raise ValueError(f"event type {model.event_type} registered twice")
        self._types[model.event_type] = model

    def model_for(self, event_type: str) -> type[EventData]:
        try:
            return self._types[event_type]
        except KeyError:
            raise UnknownEventType(f"unknown event type {event_type}") from None

    def types(self) -> dict[str, type[EventData]]:
        return dict(self._types)


registry = EventRegistry()


def event_type_name(stream: str, name: str, version: int = 1) -> str:
    return f"{TYPE_PREFIX}.{stream}.{name}.v{version}"
