"""``alliance up`` from nothing to ready, and back to nothing; bad configuration in one line."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from devstack import free_port
from services.bookings.config import BookingsSettings
from tests.devstack.up import (
    ALLIANCE,
    descendants,
    isolated_env,
    reachable_tmp,
    running,
    wait_for_line,
)
from tests.support.signin import sign_in
from tests.support.stack import Stack


def test_alliance_up_brings_every_service_to_ready_and_stopping_leaves_nothing() -> None:
    with reachable_tmp() as root:
        env = isolated_env(root / "var")
        output = root / "up.out"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                [*ALLIANCE, "up"], env=env, stdout=sink, stderr=subprocess.STDOUT
            )
        try:
            lines = wait_for_line(process, output, r"Ctrl-C stops")
            children = descendants(process.pid)
            assert children, "alliance up runs its parts as child processes"
            for service in ("BOOKINGS", "BROKERAGE", "NOTIFICATIONS"):
                url = f"http://127.0.0.1:{env[f'{service}_PORT']}"
                assert any(url in line for line in lines), lines
                assert httpx.get(f"{url}/readyz", timeout=5).status_code == 200
            issuer = f"http://127.0.0.1:{env['ALLIANCE_OIDC_PORT']}"
            assert any(line.split()[:2] == ["oidc", issuer] for line in lines), lines
            assert any("h.marsh@severnvale.example.org" in line for line in lines), lines
            asyncio.run(_a_demo_cpd_lead_signs_in_once_for_every_service(env))
            process.send_signal(signal.SIGTERM)
            process.send_signal(signal.SIGINT)  # impatient: a second signal must not cut the stop
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
        _, alive = psutil.wait_procs(children, timeout=10)
        assert [p for p in alive if running(p)] == []
        assert (root / "var" / "postgres" / "PG_VERSION").exists()


async def _a_demo_cpd_lead_signs_in_once_for_every_service(env: dict[str, str]) -> None:
    ports = {s: env[f"{s.upper()}_PORT"] for s in ("bookings", "brokerage", "notifications")}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['bookings']}") as browser:
        back = await sign_in(browser, "h.marsh@severnvale.example.org", next="/")
        assert back.headers["location"] == "/"
        start = await browser.get("/")
        assert "CPD lead of school <strong>115701</strong>" in start.text
        for port in ports.values():
            assert (await browser.get(f"http://127.0.0.1:{port}/")).status_code == 200


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:{port}", "alliance: kafka: cannot reach Kafka at"),
        (
            "BOOKINGS_DATABASE_URL",
            "postgresql+asyncpg://nobody@127.0.0.1:{port}/nowhere",
            "alliance: bookings database: cannot connect to the database at",
        ),
    ],
)
def test_bad_configuration_is_one_clear_line_and_nothing_keeps_running(
    variable: str, value: str, expected: str
) -> None:
    with reachable_tmp() as root:
        env = isolated_env(root / "var", **{variable: value.format(port=free_port())})
        result = subprocess.run(
            [*ALLIANCE, "up"], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 1
        assert result.stderr.strip().startswith(expected), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        assert not any(
            str(root) in " ".join(p.info["cmdline"] or []) for p in psutil.process_iter(["cmdline"])
        )


def test_a_service_started_against_an_unreachable_broker_says_so(
    stack: Stack, tmp_path: Path
) -> None:
    from shared.settings import settings_env

    settings = stack.settings(BookingsSettings, KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}")
    env = {**os.environ, **settings_env(settings)}
    result = subprocess.run(
        [sys.executable, "-m", "services.bookings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "bookings: cannot reach Kafka at 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
