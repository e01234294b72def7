"""Secrets the brokerage service signs with: the school's link and the form's CSRF token.

``BROKERAGE_SECRET`` if set; otherwise a key derived from ``JWT_SECRET`` with a label per use,
so the raw JWT secret never signs anything here. Rotating the secret invalidates school links.
"""

import base64
import hashlib
import hmac
from uuid import UUID

from pydantic import SecretStr

from shared.settings import ConfigurationError, Settings
from shared.web.compare import same_secret


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Keys:
    def __init__(self, settings: Settings) -> None:
        root = settings.brokerage_secret or settings.jwt_secret
        if root is None:
            raise ConfigurationError(
                "BROKERAGE_SECRET is not set (nor JWT_SECRET to derive it from): give a long "
                "random secret for the school links and the form's CSRF tokens."
            )
        # Settings built with model_copy(update=...) may hold a plain str here.
        raw = root.get_secret_value() if isinstance(root, SecretStr) else str(root)
        self._root = raw.encode()

    def key(self, label: str) -> bytes:
        return hmac.new(self._root, f"alliance-brokerage:{label}".encode(), "sha256").digest()

    def sign(self, label: str, message: str) -> str:
        return _b64(hmac.new(self.key(label), message.encode(), hashlib.sha256).digest())

    def school_token(self, request_id: UUID) -> str:
        return self.sign("school-link", str(request_id))

    def is_school_token(self, request_id: UUID, token: str | None) -> bool:
        if not token:
            return False
        return same_secret(self.school_token(request_id), token)
