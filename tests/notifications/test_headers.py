"""Text placed in a header cannot add a header or break the send: a name or a course title with
CR/LF in it reaches exactly the intended recipient, with no Bcc, through a real SMTP server."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from devstack import free_port
from services.notifications.config import NotificationsSettings
from services.notifications.domain.messages import Outgoing
from services.notifications.domain.retry import RetryPolicy
from services.notifications.mail.mailer import Mailer
from services.notifications.usecases.dispatch import Dispatch
from services.notifications.usecases.staff_log import LogQuery, StaffLog
from shared.contracts.bookings import BookingConfirmed
from shared.identity import Principal, Role
from tests.notifications import factories as f
from tests.notifications.support import text_part
from tests.notifications.usecase_support import record_event
from tests.support.stack import Stack

INJECTED = "\r\nBcc: x@evil.test"


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.envelope_to]


@pytest.fixture(scope="module")
async def smtp(stack: Stack) -> AsyncIterator[tuple[Recorder, Mailer]]:
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, Mailer(stack.settings(NotificationsSettings, SMTP_PORT=port), timeout_s=5)
    finally:
        controller.stop()


def assert_only_to(received: Received, address: str) -> None:
    assert received.envelope_to == [address]
    assert [a.addr_spec for a in received.message["To"].addresses] == [address]
    for header in ("Bcc", "Cc"):
        assert received.message[header] is None


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (f"Tom Hughes{INJECTED}", "Tom Hughes Bcc: x@evil.test"),
        (f"Siân Ó Briain{INJECTED}", "Siân Ó Briain Bcc: x@evil.test"),
        ("Tom\nBcc: x@evil.test\n\nHello", "Tom Bcc: x@evil.test Hello"),
        ('"Hughes, Tom" <x@evil.test>\x00', '"Hughes, Tom" <x@evil.test>'),
    ],
)
async def test_the_mailer_keeps_a_name_and_subject_with_line_breaks_in_their_headers(
    smtp: tuple[Recorder, Mailer], name: str, shown: str
) -> None:
    recorder, mailer = smtp
    address = f"tom.{f.tag()}@school.example"
    await mailer.send(
        Outgoing(
            message_id=f"<{f.tag()}@alliance.localhost>",
            to_name=name,
            to_email=address,
            subject=f"Booking confirmed: Phonics{INJECTED}\x00",
            text="Hello",
            html="<p>Hello</p>",
        )
    )

    [received] = recorder.to(address)
    assert_only_to(received, address)
    assert received.message["To"].addresses[0].display_name == shown
    assert received.message["Subject"] == "Booking confirmed: Phonics Bcc: x@evil.test"
    assert not recorder.to("x@evil.test")


async def test_an_event_naming_someone_with_a_header_in_their_name_mails_only_the_people_it_names(
    smtp: tuple[Recorder, Mailer], sessions: async_sessionmaker[AsyncSession]
) -> None:
    recorder, mailer = smtp
    data = f.confirmed()
    participant = data.booking.participant.model_copy(update={"name": f"Tom Hughes{INJECTED}"})
    data = BookingConfirmed(
        course=data.course.model_copy(update={"title": f"Phonics{INJECTED}"}),
        booking=data.booking.model_copy(update={"participant": participant}),
    )
    event_id = await record_event(sessions, data)

    await Dispatch(sessions, mailer, RetryPolicy()).sweep()

    admin = Principal("admin", frozenset({Role.ALLIANCE_ADMIN}), alliance_id="odyssey-tsa")
    page = await StaffLog(sessions).list(admin, LogQuery(event_id=event_id))
    assert {n.status for n in page.items} == {"sent"} and page.total == 2
    for person in (data.booking.participant, data.booking.cpd_lead):
        [received] = recorder.to(person.email)
        assert_only_to(received, person.email)
        assert received.message["Subject"] == "Booking confirmed: Phonics Bcc: x@evil.test"
        assert "Tom Hughes" in text_part(received.message)
    assert not recorder.to("x@evil.test")
