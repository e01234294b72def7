"""``alliance up``: the whole system on one machine, each part its own process.

Parts named in the environment (a database URL, KAFKA_BOOTSTRAP_SERVERS, SMTP_HOST) are used as
they are; the rest are started here, under ``ALLIANCE_VAR_DIR``.
"""

import asyncio
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devstack.errors import StartupError
from devstack.kafka import TansuBroker, ensure_topics
from devstack.mail import SmtpServer
from devstack.oidc import OidcProvider
from devstack.ports import port_in_use
from devstack.postgres import EmbeddedPostgres
from devstack.process import ChildProcess
from devstack.settings import (
    AFTER_THE_BOOKING,
    SERVICE_SETTINGS,
    SERVICES,
    StackSettings,
    updated,
)
from devstack.supervisor import describe_exit, shown
from shared import preflight
from shared.contracts.topics import all_topics
from shared.settings import ServiceSettings, settings_env
from shared.storage.migrations import script_location, upgrade

READY_TIMEOUT_S = 90.0
SECRET_FILE = "jwt-secret"


def jwt_secret(var_dir: Path) -> str:
    """The local signing secret: kept in ``var/`` so tokens survive a restart."""
    path = var_dir / SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret


@dataclass
class Row:
    part: str
    where: str
    how: str


@dataclass
class LocalStack:
    settings: StackSettings
    var_dir: Path
    configs: dict[str, ServiceSettings]
    """Each service's settings, as its process will read them from the environment."""
    postgres: EmbeddedPostgres | None = None
    kafka: TansuBroker | None = None
    smtp: SmtpServer | None = None
    oidc: OidcProvider | None = None
    services: dict[str, ChildProcess] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    @classmethod
    def from_environment(cls, settings: StackSettings) -> "LocalStack":
        var_dir = settings.var_dir.resolve()
        var_dir.mkdir(parents=True, exist_ok=True)
        stack = cls(
            settings=settings,
            var_dir=var_dir,
            configs={name: config() for name, config in SERVICE_SETTINGS.items()},
        )
        if settings.jwt_secret is None and not settings.oidc_jwks_url:
            stack._update(jwt_secret=jwt_secret(var_dir))
        return stack

    def start(self) -> None:
        try:
            self._start_database()
            self._start_kafka()
            self._start_smtp()
            self._start_oidc()
            asyncio.run(self._prepare())
            self._start_services()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for process in reversed(list(self.services.values())):
            process.stop(timeout=15)
        for part in (self.oidc, self.smtp, self.kafka, self.postgres):
            if part is not None:
                part.stop()

    def _update(self, **values: object) -> None:
        """Set these values in the stack's settings and in every service's that has them."""
        self.settings = updated(self.settings, values)  # type: ignore[assignment]
        for name, config in self.configs.items():
            self.configs[name] = updated(config, values)  # type: ignore[assignment]

    def _start_database(self) -> None:
        missing = [s for s in SERVICES if not self.configs[s].database]
        if missing:
            self.postgres = EmbeddedPostgres(self.var_dir / "postgres", self.settings.postgres_port)
            self.postgres.start()
            names = {s: f"alliance_{s}" for s in missing}
            self.postgres.ensure_databases(names.values())
            for service, database in names.items():
                url = self.postgres.url(database)
                self.configs[service] = self.configs[service].model_copy(update={"database": url})
            self.rows.append(
                Row("postgresql", f"127.0.0.1:{self.postgres.port}", "embedded, data in var/")
            )
        for service in SERVICES:
            if service not in missing:
                self.rows.append(Row(f"{service} database", "from the environment", "external"))

    def _start_kafka(self) -> None:
        if self.settings.kafka_bootstrap_servers:
            self.rows.append(Row("kafka", self.settings.kafka_bootstrap_servers, "external"))
            return
        self.kafka = TansuBroker(self.settings.kafka_port, self.var_dir / "kafka.log")
        self.kafka.start()
        self._update(kafka_bootstrap_servers=self.kafka.bootstrap)
        self.rows.append(Row("kafka", self.kafka.bootstrap, "embedded Tansu, in memory"))

    def _start_smtp(self) -> None:
        if self.settings.smtp_host:
            where = f"{self.settings.smtp_host}:{self.settings.smtp_port}"
            self.rows.append(Row("smtp", where, "external"))
            return
        maildir = self.var_dir / "mail"
        self.smtp = SmtpServer(
            self.settings.smtp_port,
            maildir,
            self.var_dir / "smtp.log",
            nice=self.settings.after_the_booking_nice,  # its mail follows the booking too
        )
        self.smtp.start()
        self._update(smtp_host="127.0.0.1")
        self.rows.append(Row("smtp", f"127.0.0.1:{self.settings.smtp_port}", f"Maildir {maildir}"))

    def _start_oidc(self) -> None:
        if self.settings.oidc_client_id:
            self.rows.append(Row("oidc", self.settings.oidc_issuer or "?", "external"))
            return
        self.oidc = OidcProvider(self.settings.oidc_port, self.var_dir / "oidc.log")
        self.oidc.start()
        self._update(**self.oidc.settings())
        self.rows.append(Row("oidc", self.oidc.issuer, "oidc-provider-mock: pick a demo person"))

    async def _prepare(self) -> None:
        await self._check_external_parts()
        await ensure_topics(self.settings.bootstrap_servers(), all_topics())
        for service in SERVICES:
            await asyncio.to_thread(
                upgrade, script_location(service), self.configs[service].database_url()
            )
        if self.settings.demo_data:
            await self._load_demo_data()

    async def _check_external_parts(self) -> None:
        for service in SERVICES:
            problem = await preflight.database_problem(self.configs[service].database_url())
            if problem:
                raise StartupError(f"{service} database", problem)
        problem = await preflight.kafka_problem(self.settings.bootstrap_servers(), self.settings)
        if problem:
            raise StartupError("kafka", problem)
        assert self.settings.smtp_host is not None
        problem = await preflight.smtp_problem(self.settings.smtp_host, self.settings.smtp_port)
        if problem:
            raise StartupError("smtp", problem)

    async def _load_demo_data(self) -> None:
        from importlib import import_module

        from shared.runtime import ServiceRuntime

        for service in SERVICES:
            try:
                demo = import_module(f"services.{service}.demo")
            except ModuleNotFoundError:
                continue
            tables = import_module(f"services.{service}.tables")
            runtime = ServiceRuntime(service, self.configs[service], tables.metadata)
            try:
                await demo.load_demo_data(runtime)
            finally:
                await runtime.engine.dispose()

    def _start_services(self) -> None:
        for service in SERVICES:
            port = self.configs[service].port
            if port_in_use(port):
                raise StartupError(service, f"port {port} on 127.0.0.1 is already in use")
        env = {**os.environ, **settings_env(self.settings)}
        for config in self.configs.values():
            env.update(settings_env(config))
        for service in SERVICES:
            process = ChildProcess(
                service,
                [sys.executable, "-m", f"services.{service}"],
                self.var_dir / f"{service}.log",
                env=env,
                nice=self.settings.after_the_booking_nice if service in AFTER_THE_BOOKING else 0,
            )
            process.start()
            self.services[service] = process
        for service, process in self.services.items():
            url = f"http://127.0.0.1:{self.configs[service].port}"
            wait_until_ready(service, url, process)
            self.rows.append(Row(service, url, f"pid {process.pid}, log var/{service}.log"))

    def dead_part(self) -> str | None:
        """What to say when a part of the infrastructure started here has died (it is fatal)."""
        parts = (
            (self.postgres, "PostgreSQL", "its data is in var/postgres and survives"),
            (self.kafka, "the Tansu broker", BROKER_LOSS),
            (self.smtp, "the SMTP server", "mail already delivered is in the Maildir"),
            (self.oidc, "the OpenID provider", "people signed in stay signed in; sign-in stops"),
        )
        for part, label, consequence in parts:
            process = part.process if part is not None else None
            if process is not None and not process.alive:
                return (
                    f"{label} exited ({describe_exit(process.returncode)}; its log: "
                    f"{shown(process.log_path)}); {consequence}"
                )
        return None


BROKER_LOSS = (
    "it kept topics and consumer offsets in memory, and they are gone. After `alliance up` "
    "again, outbox rows not yet published are sent; events already consumed are not"
)


def wait_until_ready(service: str, base_url: str, process: ChildProcess) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not process.alive:
                raise StartupError(service, f"exited before ready: {process.log_tail()}")
            try:
                response = client.get(f"{base_url}/readyz")
                if response.status_code == 200:
                    return
                last = response.json().get("detail", response.text)
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.2)
    raise StartupError(service, f"not ready after {READY_TIMEOUT_S:.0f}s: {last}")
