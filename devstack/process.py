from __future__ import annotations

import atexit
import os
import signal
import subprocess
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

_live: weakref.WeakSet[ChildProcess] = weakref.WeakSet()


def _stopped(pid: int) -> bool:
    """Whether every thread of ``pid`` is stopped (or it is gone)."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return True
    for thread in threads:
        try:
            with open(f"/proc/{pid}/task/{thread}/stat") as stat:
                state = stat.read().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("T", "t", "Z", "X"):
            return False
    return True


class ChildProcess:
    """A child OS process in its own process group (so that it is stopped whole), with
    stdout/stderr appended to a log file.

    Not in its own session: Linux schedules each session as one group ("autogroup") with an equal
    share of the CPU, so a session per service gave PostgreSQL, with a backend for every service,
    the share of one process, and made a service's nice value meaningless against the others."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | int | None = None,
        group: str | int | None = None,
        nice: int = 0,
    ) -> None:
        self.name = name
        self.nice = nice
        self.argv = [str(arg) for arg in argv]
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self.group = group
        self._popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen is not None else None

    def start(self) -> None:
        if self.alive:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        try:
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                user=self.user,
                group=self.group,
                extra_groups=[] if self.user is not None and os.geteuid() == 0 else None,
                process_group=0,
            )
        except BaseException:
            self._close_log()
            raise
        if self.nice:  # lowering one's own child's priority needs no privilege
            os.setpriority(os.PRIO_PROCESS, self._popen.pid, self.nice)
        _live.add(self)

    def stop(self, timeout: float = 10, signum: int = signal.SIGTERM, group: bool = True) -> None:
        """Send `signum` (to the whole process group unless group=False), wait, then SIGKILL."""
        popen = self._popen
        if popen is None:
            return
        if popen.poll() is None:
            self._signal(signum, group=group)
            self._signal(signal.SIGCONT, group=True)
            try:
                popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL, group=True)
                popen.wait()
        self._signal(signal.SIGKILL, group=True)
        _live.discard(self)
        self._close_log()

    def pause(self, settle_s: float = 2.0) -> None:
        """Stop the whole group, and return once its threads are all stopped (``kill`` returns
        before a thread busy on another CPU has taken the signal), or after ``settle_s``."""
        self._signal(signal.SIGSTOP, group=True)
        if self._popen is None:
            return
        deadline = time.monotonic() + settle_s
        while not _stopped(self._popen.pid) and time.monotonic() < deadline:
            time.sleep(0.001)

    def resume(self) -> None:
        self._signal(signal.SIGCONT, group=True)

    def wait(self, timeout: float | None = None) -> int:
        if self._popen is None:
            raise RuntimeError(f"{self.name} was never started")
        return self._popen.wait(timeout)

    def log_tail(self, max_chars: int = 300) -> str:
        """The last non-empty line of the log, trimmed to one short line."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 8192))
                text = log.read().decode("utf-8", "replace")
        except OSError:
            return ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            return ""
        return lines[-1][-max_chars:]

    def _signal(self, signum: int, *, group: bool) -> None:
        if self._popen is None:
            return
        try:
            if group:
                os.killpg(self._popen.pid, signum)
            elif self._popen.poll() is None:
                os.kill(self._popen.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __repr__(self) -> str:
        return f"ChildProcess({self.name!r}, pid={self.pid}, alive={self.alive})"


@atexit.register
def _stop_leftovers() -> None:
    for child in list(_live):
        child.stop(timeout=5)
