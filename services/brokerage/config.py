"""The brokerage service's settings, and the root secret its links and forms are signed with."""

from pydantic import Field, SecretStr

from shared.settings import ConfigurationError, ServiceSettings


class BrokerageSettings(ServiceSettings):
    database: str | None = Field(None, alias="BROKERAGE_DATABASE_URL")
    port: int = Field(8002, alias="BROKERAGE_PORT")
    own_public_url: str | None = Field(None, alias="BROKERAGE_PUBLIC_URL")

    brokerage_secret: SecretStr | None = Field(None, alias="BROKERAGE_SECRET")
    lock_timeout_ms: int = Field(2000, alias="BROKERAGE_LOCK_TIMEOUT_MS", ge=1, le=60_000)
    """How long a change waits for a support request's (or an SLE's) row lock before it gives
    up with PostgreSQL's lock_not_available (55P03) rather than hanging."""

    visit_log_working_days: int = Field(5, alias="BROKERAGE_VISIT_LOG_WORKING_DAYS", ge=1, le=60)
    """Working days after a deployment's last day by which its visits must be logged; the
    coordinator is reminded once if some are still not logged then."""

    school_link_days: float = Field(60.0, alias="BROKERAGE_SCHOOL_LINK_DAYS", gt=0, le=366)
    """How long a school's private link works after it was issued; every email to the school
    contact carries a newly issued one, so a link lives at most this long after its email."""

    school_link_key: SecretStr | None = Field(None, alias="SCHOOL_LINK_KEY")
    """The secret events seal the school's private link with; notifications must hold the same
    (and no other service should). Unset: derived from ``JWT_SECRET``."""

    scheduler_interval_s: float = Field(60.0, alias="BROKERAGE_SCHEDULER_INTERVAL_S", gt=0, le=3600)
    """How often the reminder and academic-year rollover workers look for due work."""

    contact_retention_days: float = Field(1095.0, alias="BROKERAGE_CONTACT_RETENTION_DAYS", gt=0)
    """How long a finished support request (completed, evaluated, withdrawn, cancelled,
    unmatched) keeps its school contact's name, role, email and phone after its last change."""


def root_secret(settings: BrokerageSettings) -> str:
    """``BROKERAGE_SECRET`` if set, else ``JWT_SECRET`` (keys are derived from it per use, so
    the raw secret never signs anything). Rotating it invalidates every school link."""
    root = settings.brokerage_secret or settings.jwt_secret
    if root is None:
        raise ConfigurationError(
            "BROKERAGE_SECRET is not set (nor JWT_SECRET to derive it from): give a long "
            "random secret for the school links and the form's CSRF tokens."
        )
    # Settings built with model_copy(update=...) may hold a plain str here.
    return root.get_secret_value() if isinstance(root, SecretStr) else str(root)
