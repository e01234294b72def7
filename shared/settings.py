"""What every service reads from its environment, and the base of each service's own settings.

The kernel names no service: a service's ``config.py`` subclasses ``ServiceSettings``, naming
its database, port and public URL variables and adding what only it reads. The installation
declares each service's settings class as an entry point (group ``alliance.settings``), which
is how ``alliance migrate`` and the deployment scripts find a service's database by its name.
"""

from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENTRY_POINT_GROUP = "alliance.settings"


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and what to do."""


class Settings(BaseSettings):
    """What every service (and the dev stack) reads."""

    model_config = SettingsConfigDict(extra="ignore", env_prefix="")

    var_dir: Path = Field(Path("var"), alias="ALLIANCE_VAR_DIR")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    access_log: bool = Field(True, alias="ACCESS_LOG")
    metrics_token: SecretStr | None = Field(None, alias="METRICS_TOKEN")
    otel_exporter_otlp_endpoint: str | None = Field(None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")

    database_pool_size: int = Field(20, alias="DATABASE_POOL_SIZE")
    database_connect_timeout_s: float = Field(5.0, alias="DATABASE_CONNECT_TIMEOUT_S", gt=0)
    database_pool_timeout_s: float = Field(5.0, alias="DATABASE_POOL_TIMEOUT_S", gt=0)
    database_statement_timeout_s: float = Field(15.0, alias="DATABASE_STATEMENT_TIMEOUT_S", gt=0)

    kafka_bootstrap_servers: str | None = Field(None, alias="KAFKA_BOOTSTRAP_SERVERS")
    kafka_enable_idempotence: bool = Field(False, alias="KAFKA_ENABLE_IDEMPOTENCE")
    kafka_request_timeout_ms: int = Field(30_000, alias="KAFKA_REQUEST_TIMEOUT_MS")
    kafka_use_tls: bool = Field(False, alias="KAFKA_USE_TLS")
    kafka_sasl_mechanism: str | None = Field(None, alias="KAFKA_SASL_MECHANISM")
    kafka_sasl_username: str | None = Field(None, alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(None, alias="KAFKA_SASL_PASSWORD")
    kafka_session_timeout_ms: int = Field(10_000, alias="KAFKA_SESSION_TIMEOUT_MS")
    kafka_heartbeat_interval_ms: int = Field(3_000, alias="KAFKA_HEARTBEAT_INTERVAL_MS")
    kafka_fetch_max_wait_ms: int = Field(100, alias="KAFKA_FETCH_MAX_WAIT_MS")

    jwt_secret: SecretStr | None = Field(None, alias="JWT_SECRET")
    jwt_issuer: str = Field("alliance-local", alias="JWT_ISSUER")
    jwt_audience: str = Field("alliance", alias="JWT_AUDIENCE")
    oidc_issuer: str | None = Field(None, alias="OIDC_ISSUER")
    oidc_audience: str | None = Field(None, alias="OIDC_AUDIENCE")
    oidc_jwks_url: str | None = Field(None, alias="OIDC_JWKS_URL")
    # Sign-in (authorization code + PKCE) and its session cookie; see shared/web/signin.py.
    oidc_discovery_url: str | None = Field(None, alias="OIDC_DISCOVERY_URL")
    oidc_client_id: str | None = Field(None, alias="OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr | None = Field(None, alias="OIDC_CLIENT_SECRET")
    oidc_scopes: str = Field("openid email profile", alias="OIDC_SCOPES")
    session_secret: SecretStr | None = Field(None, alias="SESSION_SECRET")
    session_max_age_s: int = Field(8 * 3600, alias="SESSION_MAX_AGE_S", ge=60)

    service_host: str = Field("127.0.0.1", alias="SERVICE_HOST")
    public_base_url: str = Field("http://127.0.0.1", alias="PUBLIC_BASE_URL")

    relay_poll_interval_s: float = Field(0.5, alias="OUTBOX_POLL_INTERVAL_S")
    relay_linger_s: float = Field(0.005, alias="OUTBOX_LINGER_S", ge=0)
    consumer_max_attempts: int = Field(5, alias="CONSUMER_MAX_ATTEMPTS")
    consumer_backoff_s: float = Field(0.2, alias="CONSUMER_BACKOFF_S")
    public_rate_limit_per_minute: int = Field(30, alias="PUBLIC_RATE_LIMIT_PER_MINUTE", ge=1)
    public_page_rate_limit_per_minute: int = Field(
        120, alias="PUBLIC_PAGE_RATE_LIMIT_PER_MINUTE", ge=1
    )
    trusted_proxies: str = Field("", alias="TRUSTED_PROXIES")
    outbox_retention_days: float = Field(7.0, alias="OUTBOX_RETENTION_DAYS", gt=0)
    inbox_retention_days: float = Field(30.0, alias="INBOX_RETENTION_DAYS", gt=0)
    prune_interval_s: float = Field(600.0, alias="PRUNE_INTERVAL_S", gt=0)

    def bootstrap_servers(self) -> str:
        if not self.kafka_bootstrap_servers:
            raise ConfigurationError(
                "KAFKA_BOOTSTRAP_SERVERS is not set: name the Kafka brokers (host:port,...) "
                "or run `alliance up`."
            )
        return self.kafka_bootstrap_servers

    def public_url(self, explicit: str | None, port: int) -> str:
        """The base of links to a service: ``explicit`` (behind an ingress) or this host's
        public base URL with the service's port."""
        if explicit:
            return str(explicit).rstrip("/")
        return f"{self.public_base_url}:{port}"


class ServiceSettings(Settings):
    """One service's settings. A subclass gives these three fields its own variables
    (``<NAME>_DATABASE_URL``, ``<NAME>_PORT``, ``<NAME>_PUBLIC_URL``) and adds its own."""

    database: str | None = None
    port: int = 8000
    own_public_url: str | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        unnamed = [name for name in OWN_FIELDS if cls.model_fields[name].alias is None]
        if unnamed:
            raise TypeError(
                f"{cls.__name__} must name its own variables for {', '.join(unnamed)} "
                "(e.g. Field(None, alias='<NAME>_DATABASE_URL'))"
            )

    def database_url(self) -> str:
        if not self.database:
            variable = _variable(type(self), "database")
            raise ConfigurationError(
                f"{variable} is not set: point it at the service's database "
                "(postgresql+asyncpg://user@host:port/db) or run `alliance up`."
            )
        return self.database

    def service_url(self) -> str:
        """The base of links to this service in emails and pages (behind an ingress: set it)."""
        return self.public_url(self.own_public_url, self.port)


OWN_FIELDS = ("database", "port", "own_public_url")


def _variable(model: type[BaseSettings], field: str) -> str:
    info = model.model_fields[field]
    return info.alias or field.upper()


def declared_services() -> dict[str, str]:
    """Each service the installation declares and where its settings class is (not imported)."""
    points = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda point: point.name)
    return {point.name: point.value for point in points}


def service_settings(name: str) -> type[ServiceSettings]:
    """The settings class declared for service ``name``."""
    points = {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}
    point = points.get(name)
    if point is None:
        known = ", ".join(sorted(points)) or "none (is the project installed?)"
        raise ConfigurationError(f"unknown service {name!r}: use one of {known}")
    loaded: Any = point.load()
    return loaded  # type: ignore[no-any-return]


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_env(settings: BaseSettings) -> dict[str, str]:
    """The environment variables that reproduce ``settings`` in a child process."""
    env: dict[str, str] = {}
    for name, info in type(settings).model_fields.items():
        value = getattr(settings, name)
        if value is None or info.alias is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        env[info.alias] = str(value)
    return env
