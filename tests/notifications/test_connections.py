"""The mailer keeps its SMTP connection between messages, and never reuses a broken one."""

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtplib import protocol

from devstack import free_port
from services.notifications.config import NotificationsSettings
from services.notifications.domain.messages import DeliveryError, Outgoing
from services.notifications.mail.mailer import Mailer

REFUSED = "nobody@refused.example.org"


@dataclass
class Server:
    """Who sent what, over which connection (the client's address and port)."""

    port: int
    received: list[tuple[tuple[str, int], str]] = field(default_factory=list)
    mail_options: list[list[str]] = field(default_factory=list)
    messages: list[EmailMessage] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_MAIL(self, server, session, envelope, address, options) -> str:
        self.mail_options.append(options)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address == REFUSED:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((session.peer, envelope.rcpt_tos[0]))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def start(self) -> None:
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True
        )
        self.controller.start()

    def stop(self) -> None:
        assert self.controller is not None
        self.controller.stop()

    @property
    def connections(self) -> int:
        return len({peer for peer, _ in self.received})

    @property
    def recipients(self) -> list[str]:
        return [to for _, to in self.received]


@pytest.fixture
def server() -> Iterator[Server]:
    server = Server(free_port())
    server.start()
    yield server
    server.stop()


def mailer_for(server: Server) -> Mailer:
    settings = NotificationsSettings(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)  # type: ignore[call-arg]
    return Mailer(settings, timeout_s=5)


def message(n: int, to: str | None = None) -> Outgoing:
    return Outgoing(
        message_id=f"<m{n}@alliance.example.org>",
        to_name=f"Person {n}",
        to_email=to or f"p{n}@school.example.org",
        subject=f"Message {n}",
        text="Hello",
        html="<p>Hello</p>",
    )


async def test_messages_in_a_row_go_over_one_connection(server: Server) -> None:
    mailer = mailer_for(server)
    for n in range(3):
        await mailer.send(message(n))
    await mailer.close()
    assert server.recipients == [f"p{n}@school.example.org" for n in range(3)]
    assert server.connections == 1


async def test_a_connection_the_server_closed_meanwhile_is_replaced(server: Server) -> None:
    mailer = mailer_for(server)
    await mailer.send(message(1))
    server.stop()
    server.start()  # the kept connection is gone with the old server
    await mailer.send(message(2))
    await mailer.close()
    assert server.recipients == ["p1@school.example.org", "p2@school.example.org"]
    assert server.connections == 2


async def test_a_connection_that_failed_a_message_is_not_reused(server: Server) -> None:
    mailer = mailer_for(server)
    await mailer.send(message(1))
    with pytest.raises(DeliveryError) as refused:
        await mailer.send(message(2, to=REFUSED))
    assert refused.value.permanent
    await mailer.send(message(3))
    await mailer.close()
    assert server.recipients == ["p1@school.example.org", "p3@school.example.org"]
    assert server.connections == 2


async def test_an_idle_connection_is_not_kept_past_its_time(server: Server) -> None:
    mailer = mailer_for(server)
    mailer.connections.idle_s = 0
    await mailer.send(message(1))
    await mailer.send(message(2))
    await mailer.close()
    assert server.connections == 2


async def test_a_server_that_is_gone_is_a_temporary_failure(server: Server) -> None:
    mailer = mailer_for(server)
    await mailer.send(message(1))
    server.stop()
    with pytest.raises(DeliveryError) as failed:
        await mailer.send(message(2))
    assert not failed.value.permanent
    server.start()


async def test_a_message_is_read_once_on_its_way_out(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiosmtplib's ``sendmail`` rewrote the line endings of the whole message twice: once to
    count its size, once to send it."""
    read: list[int] = []
    normalize = protocol.normalize_message_line_endings

    def counted(message: bytes) -> bytes:
        read.append(len(message))
        return normalize(message)

    monkeypatch.setattr(protocol, "normalize_message_line_endings", counted)
    mailer = mailer_for(server)
    for n in range(3):
        await mailer.send(message(n))
    await mailer.close()
    assert server.recipients == [f"p{n}@school.example.org" for n in range(3)]
    assert len(read) == 3


async def test_an_address_that_is_not_ascii_goes_with_smtputf8(server: Server) -> None:
    mailer = mailer_for(server)
    await mailer.send(message(1, to="zoë@école.example.org"))
    await mailer.close()
    assert server.recipients == ["zoë@école.example.org"]
    assert "SMTPUTF8" in server.mail_options[0]


async def test_a_body_that_is_not_ascii_goes_as_8bit_to_a_server_that_takes_it(
    server: Server,
) -> None:
    mailer = mailer_for(server)
    await mailer.send(replace(message(1), text="Price: £350"))
    await mailer.close()
    assert server.mail_options == [["BODY=8BITMIME"]]
    [mail] = server.messages
    plain = mail.get_body(preferencelist=("plain",))
    assert plain["Content-Transfer-Encoding"] == "8bit"
    assert plain.get_content().splitlines() == ["Price: £350"]
