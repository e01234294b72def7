"""Deterministic identities: one notification per (event, recipient), one Message-ID each."""

import hashlib
from uuid import UUID, uuid5

from services.notifications.domain.recipients import normalise

NAMESPACE = UUID("5b0f6a52-8f0c-4a8e-9a55-3f3c1b7d2e10")


def notification_id(event_id: UUID, email: str) -> UUID:
    return uuid5(NAMESPACE, f"{event_id}/{normalise(email)}")


def message_id(notification: UUID, domain: str) -> str:
    return f"<{notification}@{domain}>"


def mail_domain(address: str) -> str:
    """The domain of ``Name <user@domain>`` (for Message-IDs); ``alliance.localhost`` if none."""
    inner = address.rsplit("<", 1)[-1].rstrip(">").strip()
    _, at, domain = inner.rpartition("@")
    return domain if at and domain else "alliance.localhost"


def address_hash(email: str) -> str:
    """How an erased address is remembered: the SHA-256 of its lower-case form (not the address)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()
