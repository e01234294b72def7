"""The restart policy of ``alliance up``, on a clock the test moves: backoff, cap and reset."""

from pathlib import Path

from devstack.supervisor import Supervisor, describe_exit


class FakeProcess:
    def __init__(self) -> None:
        self.alive = True
        self.returncode: int | None = None
        self.pid = 100
        self.log_path = Path("/nowhere/notifications.log")
        self.starts = 0

    def exit(self, code: int) -> None:
        self.alive, self.returncode = False, code

    def stop(self, timeout: float = 10) -> None:
        pass

    def start(self) -> None:
        self.alive, self.returncode = True, None
        self.starts += 1
        self.pid += 1


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def supervised() -> tuple[FakeProcess, Clock, list[str], Supervisor]:
    process, clock, said = FakeProcess(), Clock(), []
    supervisor = Supervisor({"notifications": process}, said.append, clock=clock)  # type: ignore[dict-item]
    return process, clock, said, supervisor


def restart_after(process: FakeProcess, clock: Clock, supervisor: Supervisor) -> float:
    """Seconds from noticing an exit to the restart, checked every 0.25 s."""
    process.exit(1)
    supervisor.check()
    noticed = clock.now
    starts = process.starts
    while process.starts == starts:
        clock.now += 0.25
        supervisor.check()
        assert clock.now - noticed < 100, "never restarted"
    return clock.now - noticed


def test_an_exit_is_said_with_its_code_and_the_restart_waits_out_the_backoff() -> None:
    process, clock, said, supervisor = supervised()
    process.exit(-9)
    supervisor.check()
    assert len(said) == 1
    assert said[0].startswith("notifications exited (code -9, SIGKILL) at ")
    assert "(in 1s); its log: /nowhere/notifications.log" in said[0]
    clock.now = 0.9
    supervisor.check()
    assert process.starts == 0 and len(said) == 1
    clock.now = 1.0
    supervisor.check()
    assert process.starts == 1
    assert said[1] == "notifications restarted (pid 101, restart 1)"


def test_backoff_doubles_up_to_a_cap_and_resets_once_the_service_stays_up() -> None:
    process, clock, _, supervisor = supervised()
    delays = [restart_after(process, clock, supervisor) for _ in range(7)]
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    clock.now += 59
    supervisor.check()
    assert restart_after(process, clock, supervisor) == 30  # up 59 s: not yet stable
    clock.now += 60
    supervisor.check()
    assert restart_after(process, clock, supervisor) == 1


def test_exit_codes_are_described() -> None:
    assert describe_exit(3) == "code 3"
    assert describe_exit(-15) == "code -15, SIGTERM"
    assert describe_exit(-999) == "code -999"
