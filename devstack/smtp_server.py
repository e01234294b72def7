"""Local SMTP server storing every message in a Maildir.

Run: python -m devstack.smtp_server --host 127.0.0.1 --port 8025 --maildir var/mail
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import ClassVar

import uvloop
from aiosmtpd.smtp import SMTP, Envelope, Session


class Server(SMTP):
    """aiosmtpd's SMTP server, remembering the MAIL FROM and RCPT TO paths it has parsed.

    aiosmtpd reads each path with the email package's header parser and defines a class on
    every call: about 0.1 ms per address, a quarter of its CPU per message. The sender is the
    same on every message and recipients repeat, so each argument is parsed once (by aiosmtpd's
    own code: the same answers) and kept, at most ``PATHS_KEPT`` of them.
    """

    PATHS_KEPT = 4096
    paths: ClassVar[dict[str, tuple[str | None, str | None]]] = {}

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        parsed = self.paths.get(arg)
        if parsed is None:
            if len(self.paths) >= self.PATHS_KEPT:
                self.paths.clear()
            parsed = self.paths[arg] = super()._getaddr(arg)
        return parsed


class MaildirWriter:
    """Writes each message as received into the Maildir (tmp/, then renamed into new/), with
    X-Peer, X-MailFrom and X-RcptTo on top, as aiosmtpd's own ``Mailbox`` does; that one parses
    each message into an object and prints it back, this one writes the bytes, with one system
    call each to create, write, close and rename the file."""

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
        name = f"{time.time_ns()}.P{self.pid}Q{next(self.counter)}.{self.host}"
        self.write(self.tmp + name, message)
        os.rename(self.tmp + name, self.new + name)
        return "250 Message accepted for delivery"

    @staticmethod
    def write(path: str, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            rest = memoryview(data)
            while rest:
                rest = rest[os.write(fd, rest) :]
        finally:
            os.close(fd)


async def serve(host: str, port: int, maildir: Path) -> None:
    handler = MaildirWriter(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Server(handler, hostname="alliance"), host, port)
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
