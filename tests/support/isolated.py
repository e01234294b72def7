"""A broker, an SMTP server and databases of a test's own, so that no other test's events or
mail are in its way (a consumer group new to the shared broker starts from its beginning)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from devstack import SmtpServer, TansuBroker, ensure_topics, free_port
from devstack.settings import SERVICES
from shared.contracts.topics import all_topics
from tests.support.stack import Stack


@dataclass(frozen=True)
class Isolated:
    bootstrap: str
    maildir: Path
    smtp: SmtpServer
    overrides: dict[str, object]
    """For ``stack.settings(**overrides)``: this broker, this SMTP server, these databases."""


@asynccontextmanager
async def isolated_parts(
    stack: Stack, name: str, services: tuple[str, ...] = SERVICES
) -> AsyncIterator[Isolated]:
    kafka = TansuBroker(free_port(), stack.root / f"{name}-kafka.log")
    smtp = SmtpServer(free_port(), stack.root / f"{name}-mail", stack.root / f"{name}-smtp.log")
    try:
        await asyncio.to_thread(kafka.start)
        await asyncio.to_thread(smtp.start)
        await ensure_topics(kafka.bootstrap, all_topics())
        overrides: dict[str, object] = {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
            "SMTP_PORT": smtp.port,
        }
        for service in services:
            url = await stack.migrated_database(service, f"{name}_{service}")
            overrides[f"{service.upper()}_DATABASE_URL"] = url
        yield Isolated(kafka.bootstrap, smtp.maildir, smtp, overrides)
    finally:
        await asyncio.to_thread(smtp.stop)
        await asyncio.to_thread(kafka.stop)
