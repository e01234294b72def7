"""A verified bearer token is believed again from memory, but never past its expiry or the
cache's bound, and a bad token is never believed."""

import pytest

from shared.settings import Settings
from shared.web import auth
from shared.web.auth import TokenVerifier, issue_token
from shared.web.problems import Unauthorized

SECRET = "token-cache-secret-" + "x" * 32


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import time

    clock = Clock(time.time())
    monkeypatch.setattr(auth.time, "time", clock)
    return clock


def verifier() -> TokenVerifier:
    return TokenVerifier(Settings(JWT_SECRET=SECRET))


def token(ttl_s: int) -> str:
    return issue_token(
        SECRET, role="school_lead", alliance_id="a1", subject="lead-1", email="l@x.org", ttl_s=ttl_s
    )


def test_the_same_token_twice_gives_the_same_principal(clock: Clock) -> None:
    check = verifier()
    given = token(3600)
    first = check.verify(given)
    assert check.verify(given) is first
    assert (first.subject, first.alliance_id, first.email) == ("lead-1", "a1", "l@x.org")


def test_a_cached_token_is_not_believed_from_memory_once_it_expires(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = verifier()
    given = token(30)
    check.verify(given)
    clock.now += 31  # PyJWT reads the real clock: stand in for its refusal

    def expired(_: str) -> None:
        raise Unauthorized("invalid token: Signature has expired")

    monkeypatch.setattr(check, "_check", expired)
    with pytest.raises(Unauthorized, match="expired"):
        check.verify(given)


def test_a_cached_token_is_checked_again_after_the_cache_bound(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = verifier()
    given = token(3600)
    first = check.verify(given)
    clock.now += auth.CACHE_TTL_S + 1
    calls: list[str] = []
    original = check._check
    monkeypatch.setattr(check, "_check", lambda t: calls.append(t) or original(t))
    again = check.verify(given)
    assert calls == [given]
    assert again == first


def test_a_tampered_token_is_refused_even_after_the_real_one_was_verified(clock: Clock) -> None:
    check = verifier()
    given = token(3600)
    check.verify(given)
    head, body, signature = given.split(".")
    with pytest.raises(Unauthorized):
        check.verify(f"{head}.{body}.{signature[:-2]}AA")
