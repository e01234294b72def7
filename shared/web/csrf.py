"""CSRF protection for every HTML form, in every service: a signed double-submit token.

A page that shows a form asks ``csrf.token(request)``: the visitor's random nonce lives in an
HttpOnly, SameSite=Strict cookie (set by ``CsrfMiddleware`` on the way out when it is new) and
the form carries the time it was issued plus an HMAC over nonce and time. A POST must bring both
and the token must verify against the cookie and be younger than ``max_age_s``. Another site can
neither read the cookie nor forge the HMAC without the key.
"""

import hashlib
import hmac
import secrets
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import Forbidden
from shared.web.compare import same_secret

COOKIE = "alliance_csrf"
FIELD = "csrf_token"
_NEW_NONCE = "csrf_new_nonce"


def derive_key(secret: str, label: str) -> bytes:
    """A key for one use, derived from a root secret so the secret itself signs nothing."""
    return hmac.new(secret.encode(), f"alliance:{label}".encode(), hashlib.sha256).digest()


class Csrf:
    def __init__(self, key: bytes, *, max_age_s: int = 4 * 3600, secure: bool = False) -> None:
        self.key = key
        self.max_age_s = max_age_s
        self.secure = secure

    def _mac(self, nonce: str, issued: str) -> str:
        return hmac.new(self.key, f"{nonce}.{issued}".encode(), hashlib.sha256).hexdigest()

    def token(self, request: Request, now: float | None = None) -> str:
        """The token to put in a form; mints the visitor's nonce if they have none yet."""
        nonce = request.cookies.get(COOKIE)
        if not nonce or len(nonce) > 100:
            nonce = request.scope.setdefault("state", {}).get(_NEW_NONCE)
            if nonce is None:
                nonce = secrets.token_urlsafe(24)
                request.scope.setdefault("state", {})[_NEW_NONCE] = nonce
        issued = str(int(now if now is not None else time.time()))
        return f"{issued}.{self._mac(nonce, issued)}"

    def is_valid(self, request: Request, submitted: str | None, now: float | None = None) -> bool:
        nonce = request.cookies.get(COOKIE)
        if not nonce or not submitted or "." not in submitted:
            return False
        issued, _, mac = submitted.partition(".")
        if not issued.isdigit():
            return False
        age = (now if now is not None else time.time()) - int(issued)
        if not 0 <= age <= self.max_age_s:
            return False
        return same_secret(self._mac(nonce, issued), mac)

    def check(self, request: Request, submitted: str | None) -> None:
        if not self.is_valid(request, submitted):
            raise Forbidden(
                "The form has expired or did not come from this site. Reload the page and "
                "try again.",
                title="Form expired",
            )

    def cookie_header(self, nonce: str) -> bytes:
        parts = [
            f"{COOKIE}={nonce}",
            "Path=/",
            f"Max-Age={self.max_age_s}",
            "HttpOnly",
            "SameSite=Strict",
        ]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts).encode()


class CsrfMiddleware:
    """Sets the nonce cookie on any response whose page minted one."""

    def __init__(self, app: ASGIApp, csrf: Csrf) -> None:
        self.app = app
        self.csrf = csrf

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                nonce = scope.get("state", {}).get(_NEW_NONCE)
                if nonce:
                    headers = list(message.get("headers", []))
                    headers.append((b"set-cookie", self.csrf.cookie_header(nonce)))
                    if not any(name.lower() == b"cache-control" for name, _ in headers):
                        headers.append((b"cache-control", b"no-store"))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
