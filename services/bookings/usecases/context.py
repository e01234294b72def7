"""What a use case needs: the runtime (database, outbox), the clock, settings and public links."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from uuid import UUID

from services.bookings.config import BookingsSettings
from shared.clock import Clock
from shared.runtime import ServiceRuntime


@dataclass(frozen=True)
class BookingsContext:
    runtime: ServiceRuntime
    clock: Clock
    config: BookingsSettings
    _fallback_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @property
    def link_key(self) -> bytes:
        """Signs download links in emails; derived from the signing secret so every replica
        accepts them (never the secret itself)."""
        secret = self.runtime.settings.jwt_secret
        if secret is None:
            return self._fallback_key
        return hashlib.sha256(b"bookings:links:" + secret.get_secret_value().encode()).digest()

    def link_signature(self, purpose: str, booking_id: UUID) -> str:
        message = f"{purpose}:{booking_id}".encode()
        return hmac.new(self.link_key, message, hashlib.sha256).hexdigest()[:32]

    def link_signed(self, purpose: str, booking_id: UUID, signature: str | None) -> bool:
        expected = self.link_signature(purpose, booking_id)
        # as bytes: any text a client sends (non-ASCII too) is simply unequal, never an error
        return signature is not None and hmac.compare_digest(expected.encode(), signature.encode())

    @property
    def base_url(self) -> str:
        return self.config.service_url()

    def course_url(self, course_id: UUID) -> str:
        return f"{self.base_url}/catalogue/{course_id}"

    def booking_url(self, booking_id: UUID) -> str:
        """The booking's page (participant, CPD lead, administrators), where emails land."""
        return f"{self.base_url}/places/{booking_id}"

    def certificate_url(self, booking_id: UUID) -> str:
        signature = self.link_signature("certificate", booking_id)
        return f"{self.base_url}/bookings/{booking_id}/certificate.pdf?sig={signature}"

    def evaluation_url(self, booking_id: UUID) -> str:
        """The page with the evaluation form (the JSON API takes POST /bookings/{id}/evaluation)."""
        return f"{self.base_url}/places/{booking_id}/evaluation"
