"""Use case: an event arrives; record one pending notification per person it should reach.

Runs inside the consumer's transaction, which also records the event in the inbox: the pending
rows and "this event is done" commit together, so a crash at any point either keeps both or
neither (and the event is redelivered). Sending is the dispatcher's job, after commit.

An address erased at or after the event's time gets nothing (an event from before an erasure
can arrive after it: another topic, a replay); the INSERT itself checks that.
"""

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import repository
from services.notifications.domain.identity import message_id, notification_id
from services.notifications.domain.messages import NewNotification, header_text
from services.notifications.domain.recipients import Recipient, recipients
from shared.contracts.base import EventData
from shared.contracts.envelope import CloudEvent
from shared.messaging.consumer import BatchedHandler, PermanentError


class Rendered(Protocol):
    @property
    def subject(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def html(self) -> str: ...


class Renderer(Protocol):
    def render(self, data: EventData, recipient: Recipient) -> Rendered: ...


def alliance_of(data: EventData) -> str:
    for part in ("course", "request", "invoice"):
        alliance = getattr(getattr(data, part, None), "alliance_id", None)
        if alliance:
            return str(alliance)
    raise PermanentError(f"{data.event_type} names no alliance")


class RecordNotifications(BatchedHandler[list[repository.NewRow]]):
    """The consumer's handler: each event planned and rendered on its own, a batch's
    notifications written in one statement."""

    def __init__(self, renderer: Renderer, mail_domain: str) -> None:
        self.renderer = renderer
        self.mail_domain = mail_domain

    def plan(self, event: CloudEvent, data: EventData) -> list[NewNotification]:
        """The notifications this event gives: pure, no I/O."""
        people = recipients(data)
        if not people:
            return []
        alliance = alliance_of(data)
        course = getattr(data, "course", None)
        request = getattr(data, "request", None)
        planned = []
        for person in people:
            rendered = self.renderer.render(data, person)
            ident = notification_id(event.id, person.email)
            planned.append(
                NewNotification(
                    id=ident,
                    alliance_id=alliance,
                    event_id=event.id,
                    event_type=event.type,
                    event_subject=(event.subject or "")[:200] or None,
                    recipient_email=person.email,
                    recipient_name=header_text(person.name)[:200],
                    recipient_kind=person.kind.value,
                    template=person.template,
                    message_id=message_id(ident, self.mail_domain),
                    subject=rendered.subject,
                    body_text=rendered.text,
                    body_html=rendered.html,
                    course_id=getattr(course, "course_id", None),
                    request_id=getattr(request, "request_id", None),
                    request_reference=getattr(request, "reference", None),
                )
            )
        return planned

    def prepare(self, event: CloudEvent, data: EventData) -> list[repository.NewRow]:
        return repository.new_rows(self.plan(event, data), event.time)

    async def write(self, session: AsyncSession, prepared: list[list[repository.NewRow]]) -> None:
        await repository.add(session, [row for rows in prepared for row in rows])
