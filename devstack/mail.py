from __future__ import annotations

import asyncio
import email
import os
import sys
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from devstack.errors import StartupError
from devstack.part import ManagedPart
from devstack.ports import port_in_use, wait_for_port
from devstack.process import ChildProcess

PART = "smtp"
HOST = "127.0.0.1"
READY_TIMEOUT = 30.0
POLL_INTERVAL = 0.05
PROJECT_ROOT = Path(__file__).resolve().parents[1]

MessagePredicate = Callable[[EmailMessage], bool]


class SmtpServer(ManagedPart):
    """The local SMTP server (`devstack.smtp_server`) as a child process."""

    def __init__(self, port: int, maildir: Path, log_path: Path, nice: int = 0) -> None:
        self.port = port
        self.nice = nice
        self.maildir = maildir
        self.log_path = log_path
        self._process: ChildProcess | None = None

    @property
    def host(self) -> str:
        return HOST

    def start(self) -> None:
        if self.alive:
            return
        if port_in_use(self.port, HOST):
            raise StartupError(PART, f"port {self.port} on {HOST} is already in use")
        argv = [
            sys.executable, "-m", "devstack.smtp_server",
            "--host", HOST, "--port", str(self.port), "--maildir", str(self.maildir),
        ]  # fmt: skip
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
        )
        env["PYTHONUNBUFFERED"] = "1"
        self._process = ChildProcess(
            PART, argv, self.log_path, env=env, cwd=PROJECT_ROOT, nice=self.nice
        )
        self._process.start()
        try:
            wait_for_port(HOST, self.port, READY_TIMEOUT, self._process)
        except BaseException:
            self.stop()
            raise

    def __repr__(self) -> str:
        return f"SmtpServer(port={self.port}, maildir={self.maildir}, alive={self.alive})"


def read_maildir(maildir: Path) -> list[EmailMessage]:
    """Every message in the Maildir, oldest delivery first."""
    files: list[tuple[int, str, Path]] = []
    for sub in ("new", "cur"):
        folder = maildir / sub
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            try:
                files.append((path.stat().st_mtime_ns, path.name, path))
            except FileNotFoundError:
                continue
    messages: list[EmailMessage] = []
    for _, _, path in sorted(files):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            continue
        message = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


def _matching(maildir: Path, predicate: MessagePredicate | None) -> list[EmailMessage]:
    messages = read_maildir(maildir)
    return [m for m in messages if predicate is None or predicate(m)]


def _not_enough(maildir: Path, count: int, found: int, timeout: float) -> AssertionError:
    everything = read_maildir(maildir)
    summary = (
        "; ".join(f"to={m['To']!s} subject={m['Subject']!s}" for m in everything[-20:])
        or "no messages at all"
    )
    if len(everything) > 20:
        summary = f"the last 20: {summary}"
    return AssertionError(
        f"expected {count} matching message(s) in {maildir} within {timeout:g}s, "
        f"found {found} matching of {len(everything)}: {summary}"
    )


def wait_for_messages(
    maildir: Path,
    predicate: MessagePredicate | None = None,
    count: int = 1,
    timeout: float = 10.0,
) -> list[EmailMessage]:
    """Poll until at least `count` messages match `predicate`; return all matches."""
    deadline = time.monotonic() + timeout
    while True:
        found = _matching(maildir, predicate)
        if len(found) >= count:
            return found
        if time.monotonic() >= deadline:
            raise _not_enough(maildir, count, len(found), timeout)
        time.sleep(POLL_INTERVAL)


async def wait_for_messages_async(
    maildir: Path,
    predicate: MessagePredicate | None = None,
    count: int = 1,
    timeout_s: float = 10.0,
) -> list[EmailMessage]:
    """Async variant of `wait_for_messages` that does not block the event loop while polling."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = _matching(maildir, predicate)
        if len(found) >= count:
            return found
        if time.monotonic() >= deadline:
            raise _not_enough(maildir, count, len(found), timeout_s)
        await asyncio.sleep(POLL_INTERVAL)
