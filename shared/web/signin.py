"""Sign-in with OpenID Connect (authorization code + PKCE) and the session it leaves behind.

Authlib's Starlette client runs the protocol; Starlette's ``SessionMiddleware`` keeps the
session in a cookie signed with itsdangerous. Every service names the cookie the same and signs
it with the same key (``SESSION_SECRET``, else derived from ``JWT_SECRET``), so a person signed
in on one port of a host is signed in on the others (cookies are per host, not per port). The
session holds who the person is (sub, email, name) and when that ends; never what they may do:
each service works that out from its own data (see ``Resolver``).
"""

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.middleware.sessions import SessionMiddleware

from shared.errors import Forbidden, Unauthenticated
from shared.identity import Identity, Person, Principal, Role
from shared.settings import ServiceSettings, Settings
from shared.web.auth import bearer_scheme, verified
from shared.web.csrf import Csrf, derive_key

log = logging.getLogger(__name__)

COOKIE = "alliance_session"
PERSON = "person"
NEXT = "next"
Resolver = Callable[[Request, Person], Awaitable[Identity]]


class SignInRequired(Exception):
    """A page needs a signed-in person: answered with a redirect to /signin?next=<here>."""

    def __init__(self, target: str) -> None:
        self.target = target


@dataclass(frozen=True)
class SignIn:
    oauth_client: Any | None
    redirect_uri: str
    csrf: Csrf
    max_age_s: int


def session_key(settings: Settings) -> str:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    if settings.jwt_secret is None:
        raise RuntimeError("set SESSION_SECRET (or JWT_SECRET, from which it is derived)")
    return derive_key(settings.jwt_secret.get_secret_value(), "session").hex()


def safe_next(target: str | None) -> str:
    """A local path to go back to; anything else (another host, ``//x``, ``\\x``) is ``/``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\\"):
        return "/"
    return target


def here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def signed_in_person(request: Request) -> Person | None:
    """The person of this request's session, if it has one that has not expired."""
    data = request.session.get(PERSON) if "session" in request.scope else None
    if not isinstance(data, dict):
        return None
    try:
        if float(data["exp"]) <= time.time():
            return None
        return Person(subject=str(data["sub"]), email=str(data["email"]), name=str(data["name"]))
    except (KeyError, TypeError, ValueError):
        return None


async def identity_of(request: Request) -> Identity | None:
    """The signed-in person with the hats this service's own data gives them."""
    person = signed_in_person(request)
    if person is None:
        return None
    cached = request.scope.get("alliance.identity")
    if cached is None:
        resolver: Resolver = request.app.state.resolve_identity
        cached = request.scope["alliance.identity"] = await resolver(request, person)
    return cached


async def require_identity(request: Request) -> Identity:
    """A page dependency: the signed-in person, or off to sign in and back here."""
    identity = await identity_of(request)
    if identity is None:
        raise SignInRequired(here(request))
    return identity


SignedIn = Annotated[Identity, Depends(require_identity)]
MaybeSignedIn = Annotated[Identity | None, Depends(identity_of)]


def principal_for(*roles: Role, page: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the bearer token's principal, else the signed-in person's hat with one of
    ``roles`` (for the path's ``alliance_id`` or ``?alliance=``, when given). Without either, a
    page sends the person to sign in and the API answers 401; signed in without the hat, 403."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> Principal:
        if credentials is not None:
            principal = verified(request, credentials)
            if not principal.has(*roles):
                raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
            return principal
        identity = await identity_of(request)
        if identity is None:
            if page:
                raise SignInRequired(here(request))
            raise Unauthenticated("a bearer token or a signed-in session is required")
        alliance = request.path_params.get("alliance_id") or request.query_params.get("alliance")
        hat = identity.acting_as(*roles, alliance_id=alliance)
        if hat is None:
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
        return hat

    return dependency


def signout_token(request: Request) -> str:
    """The CSRF token for the sign-out form in a page's header."""
    signin: SignIn = request.app.state.signin
    return signin.csrf.token(request)


def _client(settings: Settings) -> Any | None:
    if not settings.oidc_client_id:
        return None
    metadata = settings.oidc_discovery_url or (
        f"{(settings.oidc_issuer or '').rstrip('/')}/.well-known/openid-configuration"
    )
    oauth = OAuth()
    return oauth.register(
        "alliance",
        client_id=settings.oidc_client_id,
        client_secret=(
            settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        ),
        server_metadata_url=metadata,
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )


def install_signin(
    app: FastAPI, settings: ServiceSettings, service: str, resolver: Resolver
) -> None:
    """The session cookie, /signin, /auth/callback and /signout on ``app``."""
    key = session_key(settings)
    public = settings.service_url()
    secure = public.startswith("https://")
    app.state.signin = SignIn(
        oauth_client=_client(settings),
        redirect_uri=f"{public}/auth/callback",
        csrf=Csrf(derive_key(key, "signout"), secure=secure),
        max_age_s=settings.session_max_age_s,
    )
    app.state.resolve_identity = resolver
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie=COOKIE,
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=secure,
    )

    @app.exception_handler(SignInRequired)
    async def to_signin(_: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/signin?next={quote(exc.target, safe='/')}", status_code=303)

    app.include_router(_router())


def _router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/signin")
    async def signin(request: Request, next: str = "/") -> Response:
        config: SignIn = request.app.state.signin
        if config.oauth_client is None:
            raise Unauthenticated("sign-in is not configured here: set OIDC_CLIENT_ID")
        request.session[NEXT] = safe_next(next)
        response: Response = await config.oauth_client.authorize_redirect(
            request, config.redirect_uri
        )
        return response

    @router.get("/auth/callback")
    async def callback(request: Request) -> Response:
        config: SignIn = request.app.state.signin
        if config.oauth_client is None:
            raise Unauthenticated("sign-in is not configured here: set OIDC_CLIENT_ID")
        try:
            token = await config.oauth_client.authorize_access_token(request)
        except OAuthError as exc:
            raise Unauthenticated(f"sign-in did not complete: {exc.description or exc}") from exc
        claims = token.get("userinfo") or {}
        email = str(claims.get("email") or "").strip().lower()
        if not claims.get("sub") or "@" not in email:
            raise Unauthenticated("the identity provider did not say who you are (sub, email)")
        request.session[PERSON] = {
            "sub": str(claims["sub"]),
            "email": email,
            "name": str(claims.get("name") or email),
            "exp": int(time.time()) + config.max_age_s,
        }
        log.info("signed in", extra={"subject": str(claims["sub"])})
        return RedirectResponse(safe_next(request.session.pop(NEXT, "/")), status_code=303)

    @router.post("/signout")
    async def signout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
        config: SignIn = request.app.state.signin
        config.csrf.check(request, csrf_token)
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    return router
