"""What a use case can refuse, in words a person can act on; the HTTP layer maps each to a status.

Use cases raise these and never an HTTP error: the same refusal is a problem+json answer to a
web client and a GOV.UK error summary on a page.
"""

from typing import Any


class DomainError(Exception):
    """A refusal the caller can act on; ``extra`` carries machine-readable detail."""

    title = "Refused"

    def __init__(self, detail: str, *, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if title:
            self.title = title
        self.extra = extra


class NotFound(DomainError):
    title = "Not found"


class Conflict(DomainError):
    """The current state forbids it (a booking already cancelled, a course already full)."""

    title = "Conflict"


class Forbidden(DomainError):
    """The person is known but may not do this."""

    title = "Forbidden"


class Unauthenticated(DomainError):
    """Nobody is signed in, or the credentials are not valid."""

    title = "Unauthorized"


class Invalid(DomainError):
    """The input breaks a rule; ``errors`` names each field (``field`` and ``message``)."""

    title = "Unprocessable content"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        title: str | None = None,
        **extra: Any,
    ) -> None:
        if errors is not None:
            extra["errors"] = errors
        super().__init__(detail, title=title, **extra)

    @property
    def errors(self) -> list[dict[str, str]]:
        return list(self.extra.get("errors", []))
