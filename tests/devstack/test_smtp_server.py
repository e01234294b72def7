"""The local SMTP server (``devstack.smtp_server``) in this process: the Maildir file it writes,
the MAIL FROM and RCPT TO paths it remembers, and what a client is told when a message cannot
be stored."""

from __future__ import annotations

import asyncio
import errno
import os
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP

from devstack import smtp_server
from devstack.smtp_server import MaildirWriter, Server

SENDER = "noreply@alliance.test"


@dataclass
class Running:
    port: int
    maildir: Path
    handler: MaildirWriter

    def client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(hostname="127.0.0.1", port=self.port, timeout=10)

    def delivered(self) -> list[Path]:
        return sorted((self.maildir / "new").iterdir())


@pytest.fixture
async def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Running]:
    monkeypatch.setattr(Server, "addresses", {})  # nothing remembered from another test
    maildir = tmp_path / "mail"
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True)
    handler = MaildirWriter(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: smtp_server.session(handler), "127.0.0.1", 0)
    try:
        yield Running(server.sockets[0].getsockname()[1], maildir, handler)
    finally:
        server.close()
        await server.wait_closed()


async def test_message_stored_as_received_with_the_envelope_on_top(smtp: Running) -> None:
    content = (
        b"From: Alliance <noreply@alliance.test>\r\n"
        b"To: head@school.test\r\n"
        b"Subject: Booking confirmed\r\n"
        b"\r\n"
        b"First line\r\n"
        b".a line that starts with a dot\r\n"
        b"caf\xc3\xa9 au lait\r\n"
    )
    async with smtp.client() as client:
        await client.sendmail(SENDER, ["head@school.test", "lead@school.test"], content)
        peer = client.transport.get_extra_info("sockname")  # type: ignore[union-attr]
    [path] = smtp.delivered()
    assert (
        path.read_bytes()
        == (
            f"X-Peer: {peer!r}\nX-MailFrom: {SENDER}\n"
            "X-RcptTo: head@school.test, lead@school.test\n"
            "From: Alliance <noreply@alliance.test>\nTo: head@school.test\n"
            "Subject: Booking confirmed\n\nFirst line\n.a line that starts with a dot\n"
            "café au lait\n"
        ).encode()
    )
    host = socket.gethostname().replace("/", "_").replace(":", "_")
    assert re.fullmatch(rf"\d+\.P{os.getpid()}Q0\.{re.escape(host)}", path.name)
    assert list((smtp.maildir / "tmp").iterdir()) == []


async def test_an_address_that_is_not_ascii_is_delivered(smtp: Running) -> None:
    content = b"Subject: =?utf-8?q?Caf=C3=A9?=\r\n\r\nBonjour\r\n"
    async with smtp.client() as client:
        await client.ehlo()
        assert client.supports_extension("smtputf8")
        await client.sendmail(SENDER, ["zoë@école.test"], content, mail_options=["SMTPUTF8"])
    [path] = smtp.delivered()
    assert "X-RcptTo: zoë@école.test" in path.read_text(encoding="utf-8")


async def test_each_message_gets_its_own_file(smtp: Running) -> None:
    async with smtp.client() as client:
        for n in range(3):
            await client.sendmail(SENDER, [f"p{n}@school.test"], f"Subject: {n}\r\n\r\n-\r\n")
    names = [path.name for path in smtp.delivered()]
    assert len(set(names)) == 3
    assert [path.read_text().splitlines()[2] for path in smtp.delivered()] == [
        "X-RcptTo: p0@school.test",
        "X-RcptTo: p1@school.test",
        "X-RcptTo: p2@school.test",
    ]


async def test_addresses_are_read_once(smtp: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    original = SMTP._getaddr

    def counting(self: SMTP, arg: str) -> tuple[str | None, str | None]:
        parsed.append(arg)
        return original(self, arg)

    monkeypatch.setattr(SMTP, "_getaddr", counting)
    for _ in range(2):  # two connections: what one parsed serves the other
        async with smtp.client() as client:
            for to in ("a@school.test", "b@school.test", "a@school.test"):
                await client.sendmail(SENDER, [to], b"Subject: hi\r\n\r\nhello\r\n")
    assert sorted(parsed) == sorted([f"<{SENDER}>", "<a@school.test>", "<b@school.test>"])
    assert len(smtp.delivered()) == 6


PATHS = [
    "<head@school.test>",
    "<Head.Teacher+cpd@school.test>",
    "<@relay.test:head@school.test>",
    "<a@b@c>",
    "<head@school.test",
    "<>",
    '<"odd name"@school.test>',
    "<head@sch(ool).test>",
    "head@school.test",
    "",
]
PARAMETERS = ["", " ", " SIZE=3393", "  size=1  BODY=8BITMIME", " (a comment) SIZE=1", "SIZE=1"]


@pytest.mark.parametrize("arg", [path + more for path in PATHS for more in PARAMETERS])
async def test_remembered_addresses_give_aiosmtpd_s_answers(smtp: Running, arg: str) -> None:
    server = Server(smtp.handler)
    expected = SMTP._getaddr(server, arg)
    assert server._getaddr(arg) == expected  # read
    assert server._getaddr(arg) == expected  # remembered
    assert Server(smtp.handler)._getaddr(arg) == expected  # by another connection


async def test_malformed_path_refused_every_time(smtp: Running) -> None:
    async with smtp.client() as client:
        await client.ehlo()
        for _ in range(2):
            answer = await client.execute_command(b"MAIL", b"FROM:<a@b@c>")
            assert (answer.code, answer.message) == (553, "5.1.3 Error: malformed address")
        await client.sendmail(SENDER, ["head@school.test"], b"Subject: hi\r\n\r\nhello\r\n")
    assert len(smtp.delivered()) == 1


async def test_remembered_addresses_are_bounded(
    monkeypatch: pytest.MonkeyPatch, smtp: Running
) -> None:
    monkeypatch.setattr(Server, "KEPT", 2)
    server = Server(smtp.handler)
    for n in range(5):
        assert server._getaddr(f"<p{n}@school.test> SIZE=9") == (f"p{n}@school.test", "SIZE=9")
        assert len(Server.addresses) <= 2
    assert server._getaddr("<p0@school.test>") == ("p0@school.test", "")


async def test_message_that_cannot_be_stored_is_refused_for_now(smtp: Running) -> None:
    (smtp.maildir / "tmp").rmdir()
    async with smtp.client() as client:
        with pytest.raises(aiosmtplib.SMTPDataError) as info:
            await client.sendmail(SENDER, ["head@school.test"], b"Subject: hi\r\n\r\nhello\r\n")
        assert info.value.code == 451  # temporary: the sender tries again later
        assert info.value.message.startswith("4.3.0 Cannot store the message:")
        assert smtp.delivered() == []
        (smtp.maildir / "tmp").mkdir()  # the same connection goes on
        await client.sendmail(SENDER, ["head@school.test"], b"Subject: hi\r\n\r\nhello\r\n")
    assert len(smtp.delivered()) == 1


async def test_failed_write_leaves_no_file(smtp: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(smtp_server.os, "write", full)
    async with smtp.client() as client:
        with pytest.raises(aiosmtplib.SMTPDataError) as info:
            await client.sendmail(SENDER, ["head@school.test"], b"Subject: hi\r\n\r\nhello\r\n")
    assert info.value.code == 451
    assert "No space left on device" in info.value.message
    assert smtp.delivered() == []
    assert list((smtp.maildir / "tmp").iterdir()) == []


async def test_failed_rename_leaves_no_file(smtp: Running) -> None:
    (smtp.maildir / "new").rmdir()
    async with smtp.client() as client:
        with pytest.raises(aiosmtplib.SMTPDataError) as info:
            await client.sendmail(SENDER, ["head@school.test"], b"Subject: hi\r\n\r\nhello\r\n")
    assert info.value.code == 451
    assert list((smtp.maildir / "tmp").iterdir()) == []


def test_short_writes_are_continued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for sub in ("tmp", "new"):
        (tmp_path / sub).mkdir()
    real_write = os.write
    calls = []

    def short(fd: int, data: bytes) -> int:
        calls.append(len(data))
        return real_write(fd, bytes(data[:7]))

    monkeypatch.setattr(smtp_server.os, "write", short)
    message = b"Subject: a message longer than one short write\n\nbody\n"
    MaildirWriter(tmp_path).store("one", message)
    assert (tmp_path / "new" / "one").read_bytes() == message
    assert len(calls) == -(-len(message) // 7)


def test_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    for sub in ("tmp", "new"):
        (tmp_path / sub).mkdir()
    (tmp_path / "tmp" / "taken").write_bytes(b"another writer's message")
    with pytest.raises(FileExistsError):
        MaildirWriter(tmp_path).store("taken", b"mine")
    assert (tmp_path / "tmp" / "taken").read_bytes() == b"another writer's message"
    assert list((tmp_path / "new").iterdir()) == []
