"""The real parts the test suite runs against, started once per test run on free ports."""

import asyncio
import itertools
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import asyncpg

from devstack import EmbeddedPostgres, SmtpServer, TansuBroker, ensure_topics, free_port
from devstack.oidc import OidcProvider
from devstack.settings import SERVICE_SETTINGS, SERVICES
from shared.contracts.topics import all_topics
from shared.settings import ServiceSettings, settings_env
from shared.storage.migrations import script_location, upgrade
from shared.web.auth import issue_token

SERVER_URL_VAR = "ALLIANCE_TEST_POSTGRES_URL"
S = TypeVar("S", bound=ServiceSettings)


@dataclass
class Stack:
    root: Path
    kafka: TansuBroker
    smtp: SmtpServer
    maildir: Path
    postgres: EmbeddedPostgres | None
    server_url: str
    oidc: OidcProvider
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    databases: dict[str, str] = field(default_factory=dict)
    _databases_made: Iterator[int] = field(default_factory=itertools.count)

    @property
    def bootstrap(self) -> str:
        return self.kafka.bootstrap

    def settings(self, settings_class: type[S], **overrides: object) -> S:
        """A service's settings against this stack (variables by name, as in the environment)."""
        values: dict[str, object] = {
            "ALLIANCE_VAR_DIR": str(self.root),
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.smtp.port,
            "JWT_SECRET": self.jwt_secret,
            "OUTBOX_POLL_INTERVAL_S": 0.2,
            "CONSUMER_BACKOFF_S": 0.05,
            "KAFKA_SESSION_TIMEOUT_MS": 2000,
            "KAFKA_HEARTBEAT_INTERVAL_MS": 300,
            "ALLIANCE_DEMO_DATA": False,
            "PUBLIC_RATE_LIMIT_PER_MINUTE": 10_000,
            **{k.upper(): v for k, v in self.oidc.settings().items()},
        }
        for service, url in self.databases.items():
            values[f"{service.upper()}_DATABASE_URL"] = url
        values.update(overrides)
        return settings_class(**values)

    def environment(self, **overrides: object) -> dict[str, str]:
        """The variables every service reads against this stack, for a child process."""
        env: dict[str, str] = {}
        for settings_class in SERVICE_SETTINGS.values():
            env.update(settings_env(self.settings(settings_class, **overrides)))
        return env

    def token(
        self,
        role: str,
        alliance_id: str = "alliance-a",
        *,
        school_urn: str | None = None,
        subject: str | None = None,
        email: str | None = None,
    ) -> str:
        return issue_token(
            self.jwt_secret,
            role=role,
            alliance_id=alliance_id,
            subject=subject or f"{role}-{secrets.token_hex(3)}",
            school_urn=school_urn,
            email=email,
        )

    def auth(self, role: str, alliance_id: str = "alliance-a", **kwargs: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, alliance_id, **kwargs)}"}

    def database_url(self, database: str) -> str:
        base = self.server_url.rsplit("/", 1)[0]
        return f"{base}/{database}"

    async def create_database(self, name: str) -> str:
        """A new empty database on the test server, never one another test made; its URL."""
        database = f"t_{self.run_id}_{name}_{next(self._databases_made)}"
        conn = await asyncpg.connect(self.server_url.replace("+asyncpg", ""))
        try:
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()
        return self.database_url(database)

    async def migrated_database(self, service: str, name: str | None = None) -> str:
        url = await self.create_database(name or service)
        await asyncio.to_thread(upgrade, script_location(service), url)
        return url


async def start_stack(root: Path) -> Stack:
    root.mkdir(parents=True, exist_ok=True)
    server_url = os.environ.get(SERVER_URL_VAR)
    postgres = None
    if not server_url:
        postgres = EmbeddedPostgres(root / "pgdata", free_port(), durable=False)
        await asyncio.to_thread(postgres.start)
        server_url = postgres.url("postgres")
    kafka = TansuBroker(free_port(), root / "kafka.log")
    maildir = root / "mail"
    smtp = SmtpServer(free_port(), maildir, root / "smtp.log")
    oidc = OidcProvider(free_port(), root / "oidc.log")
    try:
        await asyncio.to_thread(kafka.start)
        await asyncio.to_thread(smtp.start)
        await asyncio.to_thread(oidc.start)
        await ensure_topics(kafka.bootstrap, all_topics(extra_groups=("kernel-test",)))
    except BaseException:
        for part in (oidc, smtp, kafka, postgres):
            if part is not None:
                part.stop()
        raise
    stack = Stack(root, kafka, smtp, maildir, postgres, server_url, oidc)
    for service in SERVICES:
        stack.databases[service] = await stack.migrated_database(service)
    return stack


async def stop_stack(stack: Stack) -> None:
    for part in (stack.oidc, stack.smtp, stack.kafka, stack.postgres):
        if part is not None:
            await asyncio.to_thread(part.stop)
