"""``alliance status`` and ``alliance dlq list|replay`` against the running system (the apps on
real ports, the real broker), run as the command line runs them."""

import asyncio
import secrets

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from typer.testing import CliRunner, Result

from devstack import free_port
from shared.cli import app
from shared.contracts.topics import BOOKINGS_EVENTS
from shared.messaging.dead_letters import read_dead_letters
from tests.observe.conftest import Observed
from tests.support.wait import eventually

DLQ = "notifications.dlq.v1"


async def alliance(observed: Observed, *args: str) -> Result:
    """The command in a thread of its own (it runs its own event loop), with the test's broker."""
    env = {"KAFKA_BOOTSTRAP_SERVERS": observed.settings.bootstrap_servers()}
    return await asyncio.to_thread(
        CliRunner().invoke, app, list(args), env=env, catch_exceptions=False
    )


async def end_offsets(observed: Observed, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=observed.settings.bootstrap_servers())
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        ends = await consumer.end_offsets(partitions)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def dead_letter_one(observed: Observed, marker: str) -> None:
    """A message no consumer can read, on the topic notifications consumes; it ends dead."""
    before = await observed.value(
        "notifications", "alliance_events_dead_lettered_total", type="unknown"
    )
    producer = AIOKafkaProducer(bootstrap_servers=observed.settings.bootstrap_servers())
    await producer.start()
    try:
        await producer.send_and_wait(
            BOOKINGS_EVENTS, b"not json " + marker.encode(), key=marker.encode()
        )
    finally:
        await producer.stop()

    async def dead() -> float:
        return await observed.value(
            "notifications", "alliance_events_dead_lettered_total", type="unknown"
        )

    await eventually(dead, lambda n: n == before + 1, timeout=30)


async def test_dlq_list_then_replay_dry_run_then_replay(observed: Observed) -> None:
    marker = secrets.token_hex(4)
    await dead_letter_one(observed, marker)

    listed = await alliance(observed, "dlq", "list")
    assert listed.exit_code == 0, listed.output
    assert "not a CloudEvent" in listed.output
    # The listing names the original place; the key is the marker, so find our line by it.
    records = await read_dead_letters(observed.settings, DLQ)
    ours = [r for r in records if r.key == marker.encode()]
    assert len(ours) == 1
    position = ours[0].position
    assert f"{position}  -  from {BOOKINGS_EVENTS}:" in listed.output

    topic_before = await end_offsets(observed, BOOKINGS_EVENTS)
    dry = await alliance(observed, "dlq", "replay", "--dry-run", position)
    assert dry.exit_code == 0, dry.output
    assert f"would replay {position}" in dry.output
    assert "1 dead letter(s) to replay" in dry.output
    assert await end_offsets(observed, BOOKINGS_EVENTS) == topic_before

    dead_before = await observed.value(
        "notifications", "alliance_events_dead_lettered_total", type="unknown"
    )
    done = await alliance(observed, "dlq", "replay", position)
    assert done.exit_code == 0, done.output
    assert f"replaying {position} (-) to {BOOKINGS_EVENTS}" in done.output
    assert sum((await end_offsets(observed, BOOKINGS_EVENTS)).values()) == (
        sum(topic_before.values()) + 1
    )

    # Still unreadable, so notifications dead-letters it again, saying where it came from.
    async def dead() -> float:
        return await observed.value(
            "notifications", "alliance_events_dead_lettered_total", type="unknown"
        )

    await eventually(dead, lambda n: n == dead_before + 1, timeout=30)
    again = [r for r in await read_dead_letters(observed.settings, DLQ) if r.key == marker.encode()]
    assert len(again) == 2
    assert again[1].header("dlq_replayed_from") == f"{DLQ}:{position}"


async def test_dlq_replay_refuses_what_is_not_there(observed: Observed) -> None:
    nothing = await alliance(observed, "dlq", "replay")
    assert nothing.exit_code == 1
    assert "name the dead letters to replay" in nothing.output
    missing = await alliance(observed, "dlq", "replay", "0:999999")
    assert missing.exit_code == 1
    assert "no dead letter at 0:999999" in missing.output
    unknown = await alliance(observed, "dlq", "list", "--group", "nobody")
    assert unknown.exit_code == 1
    assert "unknown consumer group 'nobody'" in unknown.output


async def test_status_shows_every_service_in_one_table(observed: Observed) -> None:
    await dead_letter_one(observed, secrets.token_hex(4))
    urls = [f"--url={name}={url}" for name, url in observed.urls.items()]
    dead = len(await read_dead_letters(observed.settings, DLQ))
    failed = await observed.value("notifications", "alliance_notifications_failed")

    result = await alliance(observed, "status", *urls)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "service",
        "ready",
        "outbox",
        "pending",
        "oldest",
        "(s)",
        "consumer",
        "lag",
        "dead",
        "letters",
        "failed",
        "mail",
    ]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {"bookings", "brokerage", "finance", "notifications"}
    assert all(row[1] == "ready" for row in rows.values())
    assert rows["notifications"][5] == str(dead)
    assert rows["notifications"][6] == f"{failed:.0f}"
    # bookings' group (answers to personal-data requests) has no dead letter; it sends no mail
    assert (rows["bookings"][5], rows["bookings"][6]) == ("0", "-")
    assert rows["notifications"][4].isdigit()


async def test_status_says_which_service_does_not_answer_and_fails(observed: Observed) -> None:
    urls = [f"--url={name}={url}" for name, url in observed.urls.items()]
    result = await alliance(
        observed, "status", *urls, f"--url=brokerage=http://127.0.0.1:{free_port()}"
    )
    assert result.exit_code == 1
    brokerage = next(line for line in result.output.splitlines() if line.startswith("brokerage"))
    assert "unreachable" in brokerage
    bookings = next(line for line in result.output.splitlines() if line.startswith("bookings"))
    assert bookings.split()[1] == "ready"


async def test_dlq_replay_all_dry_run_names_every_dead_letter(observed: Observed) -> None:
    await dead_letter_one(observed, secrets.token_hex(4))
    records = await read_dead_letters(observed.settings, DLQ)
    before = await end_offsets(observed, BOOKINGS_EVENTS)
    result = await alliance(observed, "dlq", "replay", "--all", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"{len(records)} dead letter(s) to replay" in result.output
    for record in records:
        assert f"would replay {record.position} " in result.output
    assert await end_offsets(observed, BOOKINGS_EVENTS) == before
