from __future__ import annotations

import asyncio
import errno
import socket
import time

from devstack.errors import StartupError
from devstack.process import ChildProcess

POLL_INTERVAL = 0.05


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    if _accepts_connections(host, port):
        return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def _accepts_connections(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def exited_error(process: ChildProcess, what: str) -> StartupError:
    tail = process.log_tail()
    detail = f": {tail}" if tail else ""
    return StartupError(
        process.name,
        f"exited with code {process.returncode} {what} (log {process.log_path}){detail}",
    )


def _timeout_error(
    host: str, port: int, timeout: float, process: ChildProcess | None
) -> StartupError:
    name = process.name if process is not None else "port"
    return StartupError(name, f"nothing listening on {host}:{port} after {timeout:g}s")


def wait_for_port(
    host: str, port: int, timeout: float = 30.0, process: ChildProcess | None = None
) -> None:
    """Poll until host:port accepts TCP connections; fail fast if `process` exits."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and not process.alive:
            raise exited_error(process, f"before listening on {host}:{port}")
        if _accepts_connections(host, port):
            return
        if time.monotonic() >= deadline:
            raise _timeout_error(host, port, timeout, process)
        time.sleep(POLL_INTERVAL)


async def wait_for_port_async(
    host: str, port: int, timeout_s: float = 30.0, process: ChildProcess | None = None
) -> None:
    """Async variant of `wait_for_port`."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process is not None and not process.alive:
            raise exited_error(process, f"before listening on {host}:{port}")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 0.5)
        except (OSError, TimeoutError):
            pass
        else:
            writer.close()
            await writer.wait_closed()
            return
        if time.monotonic() >= deadline:
            raise _timeout_error(host, port, timeout_s, process)
        await asyncio.sleep(POLL_INTERVAL)
