"""Keeps the services of ``alliance up`` running: one that exits is started again, with backoff.

The infrastructure (PostgreSQL, the broker, SMTP) is not restarted here: see ``LocalStack``.
"""

import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from devstack.process import ChildProcess

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
STABLE_AFTER_S = 60.0


def describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"code {code}, {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"code {code}"


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _clock_time(later_s: float = 0.0) -> str:
    return time.strftime("%H:%M:%S", time.localtime(time.time() + later_s))


@dataclass
class _State:
    failures: int = 0
    due: float | None = None
    started: float = 0.0


class Supervisor:
    """Call ``check()`` often: it notices an exit, waits out the backoff, starts the service."""

    def __init__(
        self,
        processes: Mapping[str, ChildProcess],
        say: Callable[[str], None],
        *,
        clock: Callable[[], float] = time.monotonic,
        first_delay_s: float = FIRST_DELAY_S,
        max_delay_s: float = MAX_DELAY_S,
        stable_after_s: float = STABLE_AFTER_S,
    ) -> None:
        self.processes = processes
        self.say = say
        self.clock = clock
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self.stable_after_s = stable_after_s
        now = clock()
        self._states = {name: _State(started=now) for name in processes}

    def delay(self, failures: int) -> float:
        """Backoff before restart number ``failures + 1`` in a row: 1 s, 2 s, 4 s… up to 30 s."""
        return min(self.max_delay_s, self.first_delay_s * 2**failures)

    def check(self) -> None:
        now = self.clock()
        for name, process in self.processes.items():
            state = self._states[name]
            if process.alive:
                if state.failures and now - state.started >= self.stable_after_s:
                    state.failures = 0
            elif state.due is None:
                delay = self.delay(state.failures)
                state.failures += 1
                state.due = now + delay
                self.say(
                    f"{name} exited ({describe_exit(process.returncode)}) at {_clock_time()}; "
                    f"restarting at {_clock_time(delay)} (in {delay:.0f}s); "
                    f"its log: {shown(process.log_path)}"
                )
            elif now >= state.due:
                process.stop(timeout=5)  # reaps it, closes its log, ends leftovers in its group
                process.start()
                state.due = None
                state.started = now
                self.say(f"{name} restarted (pid {process.pid}, restart {state.failures})")
