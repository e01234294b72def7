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

import uvloop
from aiosmtpd.smtp import SMTP, Envelope, Session


class MaildirWriter:
    """Writes each message as received into the Maildir (tmp/, then renamed into new/), with
    X-Peer, X-MailFrom and X-RcptTo on top, as aiosmtpd's own ``Mailbox`` does; that one parses
    each message into an object and prints it back, this one writes the bytes."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self.host = socket.gethostname().replace("/", "_").replace(":", "_")
        self.counter = itertools.count()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        trace = (
            f"X-Peer: {session.peer}\nX-MailFrom: {envelope.mail_from}\n"
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\n"
        ).encode()
        content = envelope.content
        assert isinstance(content, bytes)  # the server does not decode (decode_data=False)
        name = f"{time.time_ns()}.P{os.getpid()}Q{next(self.counter)}.{self.host}"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(trace + content.replace(b"\r\n", b"\n"))
        os.replace(tmp, self.maildir / "new" / name)
        return "250 Message accepted for delivery"


async def serve(host: str, port: int, maildir: Path) -> None:
    handler = MaildirWriter(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="alliance"), host, port)
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
