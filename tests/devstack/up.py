"""``alliance up`` as a child process of a test, on free ports in a temporary var/ directory."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from devstack import free_port
from tests.support.wait import until

ALLIANCE = [sys.executable, "-m", "shared.cli"]


@contextmanager
def reachable_tmp() -> Iterator[Path]:
    """A temporary directory that PostgreSQL's own user can reach, removed afterwards.

    Not under pytest's: every pytest session that starts (of any worktree on this machine) makes
    /tmp/pytest-of-<user> private again, and an initdb started after that cannot reach its data.
    """
    path = Path(tempfile.mkdtemp(prefix="alliance-up-"))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def isolated_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_DATABASE_URL")
        and not k.startswith("OIDC_")
        and k not in ("KAFKA_BOOTSTRAP_SERVERS", "SMTP_HOST", "JWT_SECRET", "SESSION_SECRET")
    }
    env.update(
        ALLIANCE_VAR_DIR=str(var_dir),
        ALLIANCE_POSTGRES_PORT=str(free_port()),
        ALLIANCE_KAFKA_PORT=str(free_port()),
        SMTP_PORT=str(free_port()),
        BOOKINGS_PORT=str(free_port()),
        BROKERAGE_PORT=str(free_port()),
        NOTIFICATIONS_PORT=str(free_port()),
        FINANCE_PORT=str(free_port()),
        ALLIANCE_OIDC_PORT=str(free_port()),
        KAFKA_SESSION_TIMEOUT_MS="2000",
        KAFKA_HEARTBEAT_INTERVAL_MS="300",
    )
    env.update(extra)
    return env


def output_lines(output: Path) -> list[str]:
    return output.read_text(errors="replace").splitlines()


def wait_for_line(
    process: subprocess.Popen[bytes], output: Path, pattern: str, *, alive: bool = True
) -> list[str]:
    """The output once a line matches ``pattern``; while waiting, ``alliance up`` must run."""

    def lines() -> list[str]:
        if alive:
            assert process.poll() is None, output.read_text(errors="replace")
        return output_lines(output)

    return until(
        lines,
        lambda found: any(re.search(pattern, line) for line in found),
        timeout=120,
        message=f"a line matching {pattern!r}",
    )


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    output: Path
    env: dict[str, str]
    var_dir: Path

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.env[f'{service.upper()}_PORT']}"

    def children(self) -> dict[int, str]:
        """pid -> command line of each part ``alliance up`` runs (its direct children)."""
        found: dict[int, str] = {}
        for child in psutil.Process(self.process.pid).children():
            try:
                if running(child):
                    found[child.pid] = " ".join(child.cmdline())
            except psutil.NoSuchProcess:
                continue
        return found

    def service_pid(self, service: str) -> int:
        pids = [pid for pid, cmd in self.children().items() if f"-m services.{service}" in cmd]
        assert len(pids) == 1, self.children()
        return pids[0]

    def infrastructure(self) -> dict[int, str]:
        return {pid: cmd for pid, cmd in self.children().items() if "-m services." not in cmd}

    def lines(self) -> list[str]:
        return output_lines(self.output)


@contextmanager
def alliance_up(**extra: str) -> Iterator[Up]:
    """``alliance up`` until ready; stopped with SIGTERM (then killed) when the block ends."""
    with reachable_tmp() as root:
        yield from _alliance_up(root, **extra)


def _alliance_up(root: Path, **extra: str) -> Iterator[Up]:
    var_dir = root / "var"
    env = isolated_env(var_dir, **extra)
    output = root / "up.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [*ALLIANCE, "up"], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        wait_for_line(process, output, r"Ctrl-C stops")
        yield Up(process, output, env, var_dir)
    finally:
        if process.poll() is None:
            children = descendants(process.pid)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            psutil.wait_procs(children, timeout=10)
