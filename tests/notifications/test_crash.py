"""The service as its own OS process, killed (SIGKILL) in the middle of a burst and restarted."""

import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from devstack import ChildProcess, free_port
from services.notifications.config import NotificationsSettings
from services.notifications.domain.identity import message_id, notification_id
from shared.settings import settings_env
from tests.notifications import factories as f
from tests.notifications.support import (
    FAST_DELIVERY,
    mail_to,
    publish,
    wait_for_mail,
)
from tests.support.isolated import Isolated, isolated_parts
from tests.support.stack import Stack
from tests.support.wait import eventually

ROOT = Path(__file__).resolve().parents[2]
SENDERS = 4


def service_env(stack: Stack, parts: Isolated, port: int) -> dict[str, str]:
    env = dict(os.environ)
    settings = stack.settings(
        NotificationsSettings, **parts.overrides, NOTIFICATIONS_PORT=port, LOG_LEVEL="WARNING"
    )
    env.update(settings_env(settings))
    env.update({k: str(v) for k, v in FAST_DELIVERY.items()})
    env["NOTIFICATIONS_SENDERS"] = str(SENDERS)
    env["PYTHONPATH"] = str(ROOT)
    return env


@contextmanager
def service_process(stack: Stack, parts: Isolated, port: int, name: str) -> Iterator[ChildProcess]:
    child = ChildProcess(
        name,
        [sys.executable, "-m", "services.notifications"],
        stack.root / f"{name}.log",
        env=service_env(stack, parts, port),
        cwd=ROOT,
    )
    child.start()
    try:
        yield child
    finally:
        child.stop(timeout=10)


async def ready(port: int, child: ChildProcess) -> None:
    async def answers() -> bool:
        assert child.alive, f"notifications exited: {child.log_tail()}"
        try:
            async with httpx.AsyncClient() as http:
                return (
                    await http.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                ).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(answers, message="the notifications process is ready", timeout=60)


@pytest.fixture
async def parts(stack: Stack) -> AsyncIterator[Isolated]:
    async with isolated_parts(stack, "crash", services=("notifications",)) as isolated:
        yield isolated


@pytest.fixture
async def producer(parts: Isolated) -> AsyncIterator[AIOKafkaProducer]:
    kafka = AIOKafkaProducer(bootstrap_servers=parts.bootstrap, acks="all")
    await kafka.start()
    try:
        yield kafka
    finally:
        await kafka.stop()


async def test_killed_mid_burst_and_restarted_it_loses_nothing(
    stack: Stack, parts: Isolated, producer: AIOKafkaProducer
) -> None:
    run, port, maildir = f.tag(), free_port(), parts.maildir
    before = [f.confirmed(f"{run}-a{i}") for i in range(150)]
    during = [f.confirmed(f"{run}-b{i}") for i in range(15)]
    expected: set[str] = set()

    with service_process(stack, parts, port, "notifications-crash-1") as first:
        await ready(port, first)
        for data in before:
            event = await publish(producer, data)
            expected |= {
                message_id(notification_id(event.id, p.email), "alliance.localhost")
                for p in (data.booking.participant, data.booking.cpd_lead)
            }
        await wait_for_mail(maildir, run, 10, timeout_s=60)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    delivered_before_restart = len(mail_to(maildir, run))
    assert delivered_before_restart < len(expected), "the kill came too late to test anything"

    for data in during:
        event = await publish(producer, data)
        expected |= {
            message_id(notification_id(event.id, p.email), "alliance.localhost")
            for p in (data.booking.participant, data.booking.cpd_lead)
        }

    with service_process(stack, parts, port, "notifications-crash-2") as second:
        await ready(port, second)
        mails = await wait_for_mail(maildir, run, len(expected), timeout_s=90)

        async def all_sent() -> bool:
            admin = stack.auth("alliance_admin", "odyssey-tsa")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                response = await http.get(
                    "/notifications", params={"status": "pending", "limit": 1}, headers=admin
                )
            return response.json()["total"] == 0

        await eventually(all_sent, message="nothing left pending", timeout=30)
        mails = mail_to(maildir, run)

    ids = Counter(m["Message-ID"] for m in mails)
    assert set(ids) == expected, "every notification arrived, and nothing else"
    # The documented window: a message the SMTP server accepted just before the kill, whose
    # "sent" was never committed, is sent again, with the same Message-ID. At most one per sender.
    repeats = {mid: n for mid, n in ids.items() if n > 1}
    assert sum(n - 1 for n in repeats.values()) <= SENDERS, repeats
    for message in mails:
        address = message["To"].addresses[0].addr_spec
        assert run in address
