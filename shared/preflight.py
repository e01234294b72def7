"""Checks that the parts a service needs answer, turned into one clear line when they don't."""

import asyncio
import ssl

import asyncpg
from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

from shared.settings import Settings

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


def kafka_client_security(settings: Settings | None) -> dict[str, object]:
    """aiokafka's connection options for the TLS/SASL settings (FastStream's broker has its own)."""
    if settings is None:
        return {}
    tls = settings.kafka_use_tls
    options: dict[str, object] = {}
    if tls:
        options["ssl_context"] = ssl.create_default_context()
    if settings.kafka_sasl_mechanism:
        options["security_protocol"] = "SASL_SSL" if tls else "SASL_PLAINTEXT"
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        password = settings.kafka_sasl_password
        options["sasl_plain_password"] = password.get_secret_value() if password else None
    elif tls:
        options["security_protocol"] = "SSL"
    return options


async def kafka_problem(bootstrap: str, settings: Settings | None = None) -> str | None:
    client = AIOKafkaClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=int(TIMEOUT_S * 1000),
        **kafka_client_security(settings),  # type: ignore[arg-type]
    )
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
