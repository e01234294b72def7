"""FastStream's Kafka broker, set up the one way this system uses it."""

import logging
import ssl

from faststream.kafka import KafkaBroker
from faststream.security import (
    BaseSecurity,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
)

from shared.settings import ConfigurationError, Settings

_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def kafka_security(settings: Settings) -> BaseSecurity | None:
    context = ssl.create_default_context() if settings.kafka_use_tls else None
    mechanism = settings.kafka_sasl_mechanism
    if mechanism is None:
        return BaseSecurity(ssl_context=context) if context else None
    if mechanism not in _SASL:
        raise ConfigurationError(
            f"KAFKA_SASL_MECHANISM={mechanism} is not supported: use one of {', '.join(_SASL)}"
        )
    if not settings.kafka_sasl_username or settings.kafka_sasl_password is None:
        raise ConfigurationError("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must both be set")
    return _SASL[mechanism](
        settings.kafka_sasl_username,
        settings.kafka_sasl_password.get_secret_value(),
        ssl_context=context,
    )


def make_broker(settings: Settings, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        settings.bootstrap_servers(),
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        allow_auto_create_topics=False,
        security=kafka_security(settings),
        logger=logging.getLogger(f"faststream.{client_id}"),
        log_level=logging.DEBUG,
        graceful_timeout=10.0,
        # No FastDepends: the one handler (``EventConsumer``'s) takes the message as it is, and
        # resolving it from FastStream's context ran a worker thread per batch.
        apply_types=False,
    )
