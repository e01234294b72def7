"""The school's private link: the request id, the time it was issued and the request's link
generation, signed (HMAC) under a key derived from the service's secret, so nobody can work out
another request's link. A link works for ``lifetime`` after it was issued and while its
generation is the request's current one: revoking the link, or sending the school a fresh one,
moves the request to the next generation and every older link stops working. Events carry the
link sealed for notifications (``shared.sealed``), never in the clear. Where the link travels
and who can read it: the brokerage README, "The school's private link"."""

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import Enum
from uuid import UUID

from shared.contracts.brokerage import SCHOOL_LINK_SEAL_PURPOSE
from shared.sealed import Sealer

DEFAULT_LIFETIME = timedelta(days=60)
FRESH_LINK_PATH = "/support-requests/fresh-link"


class LinkState(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    INVALID = "invalid"


class SchoolLinks:
    def __init__(
        self,
        root_secret: str,
        base_url: str,
        *,
        lifetime: timedelta = DEFAULT_LIFETIME,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sealer: Sealer | None = None,
    ) -> None:
        self._key = hmac.new(
            root_secret.encode(), b"alliance-brokerage:school-link:v2", hashlib.sha256
        ).digest()
        self._base_url = base_url.rstrip("/")
        self._lifetime = lifetime
        self._now = now
        self._sealer = sealer or Sealer(root_secret, SCHOOL_LINK_SEAL_PURPOSE)

    def _mac(self, request_id: UUID, issued: int, generation: int) -> str:
        # Generation 0 signs as links did before generations existed, so those still work.
        signed = f"{request_id}:{issued}" + (f":{generation}" if generation else "")
        mac = hmac.new(self._key, signed.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def token(self, request_id: UUID, generation: int = 0) -> str:
        issued = int(self._now().timestamp())
        return f"{issued}.{self._mac(request_id, issued, generation)}"

    def check(self, request_id: UUID, token: str | None, generation: int = 0) -> LinkState:
        """Constant-time on the signature; any text (non-ASCII too) is simply not valid, never
        an error. A genuine link of an earlier generation is REVOKED and one past its lifetime
        EXPIRED, so the page can say so."""
        issued_text, _, mac = (token or "").partition(".")
        if not issued_text.isascii() or not issued_text.isdigit() or len(issued_text) > 12:
            return LinkState.INVALID
        issued = int(issued_text)
        given = mac.encode()

        def signed_by(g: int) -> bool:
            return hmac.compare_digest(self._mac(request_id, issued, g).encode(), given)

        if not signed_by(generation):
            earlier = range(min(generation, 1000))
            return LinkState.REVOKED if any(signed_by(g) for g in earlier) else LinkState.INVALID
        age = self._now().timestamp() - issued
        if age > self._lifetime.total_seconds() or age < -300:
            return LinkState.EXPIRED
        return LinkState.VALID

    def is_valid(self, request_id: UUID, token: str | None, generation: int = 0) -> bool:
        return self.check(request_id, token, generation) is LinkState.VALID

    def school_url(self, request_id: UUID, generation: int = 0) -> str:
        token = self.token(request_id, generation)
        return f"{self._base_url}/support-requests/{request_id}/school?token={token}"

    def sealed_school_url(self, request_id: UUID, generation: int = 0) -> str:
        """A newly issued link, sealed for notifications: what events carry."""
        return self._sealer.seal(self.school_url(request_id, generation))

    def fresh_link_url(self) -> str:
        return f"{self._base_url}{FRESH_LINK_PATH}"
