"""Local SMTP server storing every message in a Maildir.

Run: python -m devstack.smtp_server --host 127.0.0.1 --port 8025 --maildir var/mail
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


async def serve(host: str, port: int, maildir: Path) -> None:
    handler = Mailbox(maildir)
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
        asyncio.run(serve(args.host, args.port, args.maildir))
    except OSError as exc:
        print(f"smtp: cannot listen on {args.host}:{args.port}: {exc.strerror}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
