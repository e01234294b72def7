"""Tokens from an OpenID Connect provider, checked against its published keys (JWKS)."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.settings import Settings
from shared.web.auth import Role, TokenVerifier
from shared.web.problems import Unauthorized

ISSUER = "https://login.example.test/tenant/v2.0"
AUDIENCE = "api://alliance"


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[rsa.RSAPrivateKey, str]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield key, f"http://127.0.0.1:{server.server_port}/keys"
    server.shutdown()


def signed(key: rsa.RSAPrivateKey, **claims: object) -> str:
    body = {
        "sub": "entra-user-1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": int(time.time()) + 300,
        "roles": ["coordinator"],
        "alliance_id": "odyssey-tsa",
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


def verifier(jwks_url: str) -> TokenVerifier:
    return TokenVerifier(
        Settings(OIDC_ISSUER=ISSUER, OIDC_AUDIENCE=AUDIENCE, OIDC_JWKS_URL=jwks_url)
    )


def test_a_token_signed_by_the_provider_is_accepted(provider) -> None:  # type: ignore[no-untyped-def]
    key, url = provider
    principal = verifier(url).verify(signed(key, school_urn="115678"))
    assert principal.roles == {Role.COORDINATOR}
    assert principal.alliance_id == "odyssey-tsa"
    assert principal.school_urn == "115678"


@pytest.mark.parametrize(
    "claims", [{"aud": "api://someone-else"}, {"iss": "https://evil.test"}, {"exp": 1}]
)
def test_wrong_audience_issuer_or_expiry_is_refused(provider, claims) -> None:  # type: ignore[no-untyped-def]
    key, url = provider
    with pytest.raises(Unauthorized):
        verifier(url).verify(signed(key, **claims))


def test_a_token_signed_by_another_key_is_refused(provider) -> None:  # type: ignore[no-untyped-def]
    _, url = provider
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthorized):
        verifier(url).verify(signed(stranger))


def test_a_token_without_alliance_is_refused(provider) -> None:  # type: ignore[no-untyped-def]
    key, url = provider
    with pytest.raises(Unauthorized, match="alliance_id"):
        verifier(url).verify(signed(key, alliance_id=None))
