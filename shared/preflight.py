"""Checks that the parts a service needs answer, turned into one clear line when they don't."""

import asyncio

import asyncpg
from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

TIMEOUT_S = 5.0


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _where(url: str) -> str:
    after_at = url.split("@", 1)[-1]
    return after_at if after_at != url else url.split("://", 1)[-1]


async def database_problem(url: str) -> str | None:
    try:
        conn = await asyncpg.connect(_plain_dsn(url), timeout=TIMEOUT_S)
    except (OSError, TimeoutError, asyncpg.PostgresError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot connect to the database at {_where(url)}: {reason}"
    await conn.close()
    return None


async def kafka_problem(bootstrap: str) -> str | None:
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(TIMEOUT_S * 1000))
    try:
        async with asyncio.timeout(TIMEOUT_S * 2):
            await client.bootstrap()
    except (KafkaError, OSError, TimeoutError) as exc:
        reason = type(exc).__name__ if isinstance(exc, TimeoutError) else str(exc)
        return f"cannot reach Kafka at {bootstrap}: {reason}"
    finally:
        await client.close()
    return None


async def smtp_problem(host: str, port: int) -> str | None:
    try:
        async with asyncio.timeout(TIMEOUT_S):
            _, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as exc:
        return f"cannot reach the SMTP server at {host}:{port}: {exc or type(exc).__name__}"
    writer.close()
    await writer.wait_closed()
    return None
