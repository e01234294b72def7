"""Launchers for the local real infrastructure: PostgreSQL, a Kafka-compatible broker, SMTP."""

from devstack.errors import StartupError
from devstack.kafka import TansuBroker, ensure_topics
from devstack.mail import (
    SmtpServer,
    read_maildir,
    wait_for_messages,
    wait_for_messages_async,
)
from devstack.ports import free_port, port_in_use, wait_for_port, wait_for_port_async
from devstack.postgres import EmbeddedPostgres
from devstack.process import ChildProcess

__all__ = [
    "ChildProcess",
    "EmbeddedPostgres",
    "SmtpServer",
    "StartupError",
    "TansuBroker",
    "ensure_topics",
    "free_port",
    "port_in_use",
    "read_maildir",
    "wait_for_messages",
    "wait_for_messages_async",
    "wait_for_port",
    "wait_for_port_async",
]
