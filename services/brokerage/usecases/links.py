"""The school's private link: an HMAC of the request id under the service's secret, so nothing
is stored and nobody can work out another request's link. Only the school contact's emails
carry it; rotating the secret revokes every link at once."""

import base64
import hashlib
import hmac
from uuid import UUID


class SchoolLinks:
    def __init__(self, root_secret: str, base_url: str) -> None:
        self._key = hmac.new(
            root_secret.encode(), b"alliance-brokerage:school-link", hashlib.sha256
        ).digest()
        self._base_url = base_url.rstrip("/")

    def token(self, request_id: UUID) -> str:
        mac = hmac.new(self._key, str(request_id).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def is_valid(self, request_id: UUID, token: str | None) -> bool:
        """Constant-time; any text (non-ASCII too) is simply not valid, never an error."""
        if not token:
            return False
        return hmac.compare_digest(self.token(request_id).encode(), token.encode())

    def school_url(self, request_id: UUID) -> str:
        token = self.token(request_id)
        return f"{self._base_url}/support-requests/{request_id}/school?token={token}"

    def staff_url(self, request_id: UUID) -> str:
        return f"{self._base_url}/support-requests/{request_id}"
