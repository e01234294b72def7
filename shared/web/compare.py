"""Comparing secrets without leaking timing, whatever text a client sends."""

import hmac


def same_secret(expected: str, given: str) -> bool:
    """Constant-time equality; any text (non-ASCII too) is simply unequal, never an error."""
    return hmac.compare_digest(expected.encode(), given.encode())
