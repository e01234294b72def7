"""The school's private link: the request id and the time it was issued, signed (HMAC) under a
key derived from the service's secret, so nothing is stored and nobody can work out another
request's link. A link works for ``lifetime`` after it was issued; every email to the school
contact carries a newly issued one. Rotating the secret revokes every link at once. Where the
link travels and who can read it: the brokerage README, "The school's private link"."""

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import Enum
from uuid import UUID

DEFAULT_LIFETIME = timedelta(days=60)


class LinkState(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


class SchoolLinks:
    def __init__(
        self,
        root_secret: str,
        base_url: str,
        *,
        lifetime: timedelta = DEFAULT_LIFETIME,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._key = hmac.new(
            root_secret.encode(), b"alliance-brokerage:school-link:v2", hashlib.sha256
        ).digest()
        self._base_url = base_url.rstrip("/")
        self._lifetime = lifetime
        self._now = now

    def _mac(self, request_id: UUID, issued: int) -> str:
        signed = f"{request_id}:{issued}".encode()
        mac = hmac.new(self._key, signed, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def token(self, request_id: UUID) -> str:
        issued = int(self._now().timestamp())
        return f"{issued}.{self._mac(request_id, issued)}"

    def check(self, request_id: UUID, token: str | None) -> LinkState:
        """Constant-time on the signature; any text (non-ASCII too) is simply not valid, never
        an error. A genuine link past its lifetime is EXPIRED, so the page can say so."""
        issued_text, _, mac = (token or "").partition(".")
        if not issued_text.isascii() or not issued_text.isdigit() or len(issued_text) > 12:
            return LinkState.INVALID
        issued = int(issued_text)
        if not hmac.compare_digest(self._mac(request_id, issued).encode(), mac.encode()):
            return LinkState.INVALID
        age = self._now().timestamp() - issued
        if age > self._lifetime.total_seconds() or age < -300:
            return LinkState.EXPIRED
        return LinkState.VALID

    def is_valid(self, request_id: UUID, token: str | None) -> bool:
        return self.check(request_id, token) is LinkState.VALID

    def school_url(self, request_id: UUID) -> str:
        token = self.token(request_id)
        return f"{self._base_url}/support-requests/{request_id}/school?token={token}"

    def staff_url(self, request_id: UUID) -> str:
        return f"{self._base_url}/support-requests/{request_id}"
