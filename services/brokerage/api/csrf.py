"""CSRF protection for the public HTML form: a signed double-submit token.

GET puts a random nonce in a ``SameSite=Strict``, ``HttpOnly`` cookie and a token in the form:
the time it was issued and an HMAC over the nonce and that time. POST must bring both, and the
token must verify against the cookie's nonce and be younger than ``MAX_AGE_S``. Another site can
neither read the cookie nor forge the HMAC without the server's key.
"""

import secrets
import time

from services.brokerage.keys import Keys
from shared.web.compare import same_secret

COOKIE = "brokerage_csrf"
FIELD = "csrf_token"
MAX_AGE_S = 4 * 3600


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def token_for(keys: Keys, nonce: str, now: float | None = None) -> str:
    issued = str(int(now if now is not None else time.time()))
    return f"{issued}.{keys.sign('csrf', f'{nonce}.{issued}')}"


def is_valid(keys: Keys, nonce: str | None, token: str | None, now: float | None = None) -> bool:
    if not nonce or not token or "." not in token:
        return False
    issued, _, mac = token.partition(".")
    if not issued.isdigit():
        return False
    age = (now if now is not None else time.time()) - int(issued)
    if not 0 <= age <= MAX_AGE_S:
        return False
    return same_secret(keys.sign("csrf", f"{nonce}.{issued}"), mac)
