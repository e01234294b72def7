"""Text sealed for one purpose with a key only some services hold: Fernet (AES-128-CBC with an
HMAC-SHA256, from ``cryptography``), the key derived from a shared secret and the purpose, so
one secret never seals two kinds of thing alike. Anyone without the secret sees random bytes;
a sealed text that was changed, or sealed under another key, does not open."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr


class Sealer:
    def __init__(self, secret: str, purpose: str) -> None:
        raw = hmac.new(secret.encode(), f"alliance-seal:{purpose}".encode(), hashlib.sha256)
        self._fernet = Fernet(base64.urlsafe_b64encode(raw.digest()))

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The text, or None for anything that was not sealed by this key."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None


def secret_text(*candidates: SecretStr | str | None) -> str | None:
    """The first secret given, as text (settings built with ``model_copy`` may hold a str)."""
    for value in candidates:
        if value:
            return value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    return None
