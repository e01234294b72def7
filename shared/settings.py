"""Every environment variable Alliance reads, in one place."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("bookings", "brokerage", "notifications")


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_prefix="")

    var_dir: Path = Field(Path("var"), alias="ALLIANCE_VAR_DIR")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    access_log: bool = Field(True, alias="ACCESS_LOG")
    metrics_token: SecretStr | None = Field(None, alias="METRICS_TOKEN")
    otel_exporter_otlp_endpoint: str | None = Field(None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")

    bookings_database_url: str | None = Field(None, alias="BOOKINGS_DATABASE_URL")
    brokerage_database_url: str | None = Field(None, alias="BROKERAGE_DATABASE_URL")
    notifications_database_url: str | None = Field(None, alias="NOTIFICATIONS_DATABASE_URL")
    database_pool_size: int = Field(10, alias="DATABASE_POOL_SIZE")
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

    smtp_host: str | None = Field(None, alias="SMTP_HOST")
    smtp_port: int = Field(8025, alias="SMTP_PORT")
    smtp_username: str | None = Field(None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(False, alias="SMTP_STARTTLS")
    mail_from: str = Field("Alliance <no-reply@alliance.localhost>", alias="MAIL_FROM")

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
    bookings_port: int = Field(8001, alias="BOOKINGS_PORT")
    brokerage_port: int = Field(8002, alias="BROKERAGE_PORT")
    notifications_port: int = Field(8003, alias="NOTIFICATIONS_PORT")
    kafka_port: int = Field(9092, alias="ALLIANCE_KAFKA_PORT")
    postgres_port: int = Field(5433, alias="ALLIANCE_POSTGRES_PORT")
    oidc_port: int = Field(9400, alias="ALLIANCE_OIDC_PORT")
    public_base_url: str = Field("http://127.0.0.1", alias="PUBLIC_BASE_URL")
    bookings_public_url: str | None = Field(None, alias="BOOKINGS_PUBLIC_URL")
    brokerage_public_url: str | None = Field(None, alias="BROKERAGE_PUBLIC_URL")
    notifications_public_url: str | None = Field(None, alias="NOTIFICATIONS_PUBLIC_URL")

    relay_poll_interval_s: float = Field(0.5, alias="OUTBOX_POLL_INTERVAL_S")
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
    demo_data: bool = Field(True, alias="ALLIANCE_DEMO_DATA")
    brokerage_secret: SecretStr | None = Field(None, alias="BROKERAGE_SECRET")

    def database_url(self, service: str) -> str:
        url = getattr(self, f"{service}_database_url")
        if not url:
            raise ConfigurationError(
                f"{service.upper()}_DATABASE_URL is not set: point it at the {service} "
                "database (postgresql+asyncpg://user@host:port/db) or run `alliance up`."
            )
        return url

    def bootstrap_servers(self) -> str:
        if not self.kafka_bootstrap_servers:
            raise ConfigurationError(
                "KAFKA_BOOTSTRAP_SERVERS is not set: name the Kafka brokers (host:port,...) "
                "or run `alliance up`."
            )
        return self.kafka_bootstrap_servers

    def service_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    def service_url(self, service: str) -> str:
        """The base of links to ``service`` in emails and pages (behind an ingress: set it)."""
        explicit = getattr(self, f"{service}_public_url")
        if explicit:
            return str(explicit).rstrip("/")
        return f"{self.public_base_url}:{self.service_port(service)}"


class BookingsSettings(BaseSettings):
    """What only the bookings service reads."""

    model_config = SettingsConfigDict(extra="ignore", env_prefix="")

    offer_expiry_interval_s: float = Field(1.0, alias="BOOKINGS_OFFER_EXPIRY_INTERVAL_S", gt=0)
    lock_timeout_ms: int = Field(2000, alias="BOOKINGS_LOCK_TIMEOUT_MS", ge=1, le=60_000)


class DeliverySettings(BaseSettings):
    """How the notifications dispatcher sends: timeouts, retries, parallelism."""

    model_config = SettingsConfigDict(extra="ignore", env_prefix="")

    smtp_timeout_s: float = Field(10.0, alias="NOTIFICATIONS_SMTP_TIMEOUT_S", gt=0)
    max_attempts: int = Field(8, alias="NOTIFICATIONS_MAX_ATTEMPTS", ge=1)
    retry_base_s: float = Field(5.0, alias="NOTIFICATIONS_RETRY_BASE_S", gt=0)
    retry_max_s: float = Field(600.0, alias="NOTIFICATIONS_RETRY_MAX_S", gt=0)
    senders: int = Field(4, alias="NOTIFICATIONS_SENDERS", ge=1, le=32)
    poll_interval_s: float = Field(1.0, alias="NOTIFICATIONS_POLL_INTERVAL_S", gt=0)


ALL_SETTINGS: tuple[type[BaseSettings], ...] = (Settings, BookingsSettings, DeliverySettings)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment variables that reproduce ``settings`` in a child process."""
    env: dict[str, str] = {}
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        if value is None or info.alias is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        env[info.alias] = str(value)
    return env
