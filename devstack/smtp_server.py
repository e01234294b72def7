"""Local SMTP server storing every message in a Maildir.

Run: python -m devstack.smtp_server --host 127.0.0.1 --port 8025 --maildir var/mail
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path
from typing import ClassVar

import uvloop
from aiosmtpd.smtp import SMTP, Envelope, Session


class Server(SMTP):
    """aiosmtpd's SMTP server, remembering the addresses it has read.

    aiosmtpd reads the path of every MAIL FROM and RCPT TO with the email package's header
    parser and defines a class on each call: about 0.1 ms each, a quarter of the server's CPU
    per message. The sender is the same on every message and recipients repeat, so a path of
    the usual form, ``<address>`` and then perhaps parameters (aiosmtplib sends a ``SIZE=n``
    that differs from one message to the next), is read once by aiosmtpd's own code and
    remembered (at most ``KEPT`` of them); any other form (no brackets, the null path ``<>``,
    quotes, comments) is read in full every time. The answers are aiosmtpd's.
    """

    KEPT = 4096
    USUAL = re.compile(r"(<[^<>\"()\s]+>)(?:\s+([^()]*))?")  # path, parameters
    addresses: ClassVar[dict[str, str | None]] = {}  # path -> address (None: malformed)

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        usual = self.USUAL.fullmatch(arg)
        if usual is None:
            return super()._getaddr(arg)
        path, parameters = usual.groups()
        if path not in self.addresses:
            if len(self.addresses) >= self.KEPT:
                self.addresses.clear()
            self.addresses[path] = super()._getaddr(path)[0]
        address = self.addresses[path]
        return (None, None) if address is None else (address, parameters or "")


class MaildirWriter:
    """Writes each message as received into the Maildir, with X-Peer, X-MailFrom and X-RcptTo on
    top, as aiosmtpd's own ``Mailbox`` does; that one parses each message into an object and
    prints it back, this one writes the bytes (one system call each to create, write, close and
    rename the file)."""

    def __init__(self, maildir: Path) -> None:
        self.tmp = os.path.join(maildir, "tmp", "")
        self.new = os.path.join(maildir, "new", "")
        self.host = socket.gethostname().replace("/", "_").replace(":", "_")
        self.pid = os.getpid()
        self.counter = itertools.count()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)  # the server does not decode (decode_data=False)
        message = (
            f"X-Peer: {session.peer}\nX-MailFrom: {envelope.mail_from}\n"
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\n"
        ).encode() + content.replace(b"\r\n", b"\n")
        try:
            self.store(f"{time.time_ns()}.P{self.pid}Q{next(self.counter)}.{self.host}", message)
        except OSError as exc:
            print(f"smtp: cannot store a message: {exc}", flush=True)
            return f"451 4.3.0 Cannot store the message: {exc.strerror or exc}"
        return "250 Message accepted for delivery"

    def store(self, name: str, message: bytes) -> None:
        """Write into tmp/, then rename into new/ (the Maildir protocol: a reader never sees a
        message half written); on a failure the file in tmp/ is removed."""
        tmp = self.tmp + name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            try:
                rest = memoryview(message)
                while rest:
                    rest = rest[os.write(fd, rest) :]
            finally:
                os.close(fd)
            os.rename(tmp, self.new + name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def session(handler: MaildirWriter) -> Server:
    """One client's SMTP session; SMTPUTF8 so that an address that is not ASCII is delivered
    (the mailer asks for it only then)."""
    return Server(handler, hostname="alliance", enable_SMTPUTF8=True)


async def serve(host: str, port: int, maildir: Path) -> None:
    handler = MaildirWriter(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: session(handler), host, port)
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    print(f"smtp: listening on {host}:{port}, storing mail in {maildir}", flush=True)
    await stopping.wait()
    server.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(server.wait_closed(), 2)
    print("smtp: stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args(argv)
    for sub in ("tmp", "new", "cur"):
        (args.maildir / sub).mkdir(parents=True, exist_ok=True)
    try:
        uvloop.run(serve(args.host, args.port, args.maildir))
    except OSError as exc:
        print(f"smtp: cannot listen on {args.host}:{args.port}: {exc.strerror}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
