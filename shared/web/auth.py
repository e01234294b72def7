"""Bearer JWT authentication: roles and the alliance (tenant) as claims.

Locally tokens are HS256 with ``JWT_SECRET``; with ``OIDC_JWKS_URL`` set, tokens from the
OpenID Connect provider are checked against its published keys instead.
"""

import time
from collections.abc import Callable
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.identity import Principal, Role
from shared.settings import ConfigurationError, Settings
from shared.web.documented import BEARER, documents
from shared.web.problems import Forbidden, Unauthorized

CACHE_SIZE = 4096
CACHE_TTL_S = 60.0
"""A token verified once is believed again, without its signature checked, until it expires
and for at most this long (a key the identity provider withdraws stops working within it)."""


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._verified: dict[str, tuple[Principal, float, float]] = {}
        if settings.oidc_jwks_url:
            self._jwks: jwt.PyJWKClient | None = jwt.PyJWKClient(settings.oidc_jwks_url)
            self._issuer = settings.oidc_issuer
            self._audience = settings.oidc_audience
        else:
            if settings.jwt_secret is None:
                raise ConfigurationError(
                    "JWT_SECRET is not set: give a signing secret (or OIDC_JWKS_URL, "
                    "OIDC_ISSUER and OIDC_AUDIENCE for an OpenID Connect provider)."
                )
            self._jwks = None
            self._issuer = settings.jwt_issuer
            self._audience = settings.jwt_audience

    def verify(self, token: str) -> Principal:
        """The token's principal; the same token string again within ``CACHE_TTL_S`` is
        answered from memory (a signature check is most of a booking request's auth cost)."""
        now = time.time()
        known = self._verified.get(token)
        if known is not None:
            principal, expires_at, believed_until = known
            if now < expires_at and now < believed_until:
                return principal
            del self._verified[token]
        principal, expires_at = self._check(token)
        if len(self._verified) >= CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = (principal, expires_at, now + CACHE_TTL_S)
        return principal

    def _check(self, token: str) -> tuple[Principal, float]:
        try:
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256", "ES256", "PS256"]
            else:
                assert self.settings.jwt_secret is not None
                key = self.settings.jwt_secret.get_secret_value()
                algorithms = ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        return principal_from_claims(claims), float(claims["exp"])


def principal_from_claims(claims: dict) -> Principal:
    raw_roles = claims.get("roles") or []
    if isinstance(raw_roles, str):
        raw_roles = [raw_roles]
    roles = frozenset(Role(r) for r in raw_roles if r in Role._value2member_map_)
    alliance = claims.get("alliance_id")
    if not roles or not alliance:
        raise Unauthorized("token lacks roles or alliance_id")
    return Principal(
        subject=str(claims["sub"]),
        roles=roles,
        alliance_id=str(alliance),
        school_urn=claims.get("school_urn"),
        email=claims.get("email"),
    )


def issue_token(
    secret: str,
    *,
    role: str,
    alliance_id: str,
    subject: str,
    school_urn: str | None = None,
    email: str | None = None,
    issuer: str = "alliance-local",
    audience: str = "alliance",
    ttl_s: int = 8 * 3600,
) -> str:
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": [Role(role).value],
        "alliance_id": alliance_id,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_s,
    }
    if school_urn:
        claims["school_urn"] = school_urn
    if email:
        claims["email"] = email
    return jwt.encode(claims, secret, algorithm="HS256")


bearer_scheme = HTTPBearer(auto_error=False)


def verified(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The principal of the request's bearer token: 401 without one or with a bad one."""
    if credentials is None:
        raise Unauthorized("a bearer token is required")
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


class BearerPrincipal(HTTPBearer):
    """A dependency: the bearer token read and verified in one step (FastAPI solves each
    dependency in a step of its own: ``HTTPBearer`` and then a check would be two on every
    API request). The document names the same security scheme as ``HTTPBearer``."""

    def __init__(self, *, required: bool) -> None:
        super().__init__(scheme_name=BEARER, auto_error=False)
        self.required = required

    async def __call__(self, request: Request) -> Principal | None:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None and not self.required:
            return None
        return verified(request, credentials)


current_principal = documents(401)(BearerPrincipal(required=True))
optional_principal = documents(401, optional_auth=True)(BearerPrincipal(required=False))


def require_roles(*roles: Role) -> Callable[..., Principal]:
    @documents(401, 403)
    async def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if not principal.has(*roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(r.value for r in roles)}")
        return principal

    return dependency
