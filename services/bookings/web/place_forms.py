"""The booking page's forms read into the use cases' inputs, with one GOV.UK message per field:
a substitute (name, email, role), a reason to decline or cancel, an evaluation."""

from typing import Any

from pydantic import TypeAdapter, ValidationError

from services.bookings.usecases.inputs import Evaluation, Participant, Reason, RequiredReason

SUBSTITUTE_MESSAGES = {
    "name": {
        "missing": "Enter the substitute's full name",
        "string_too_short": "Enter the substitute's full name",
        "too_short": "Enter the substitute's full name",
        "string_too_long": "The substitute's name must be 200 characters or fewer",
        "too_long": "The substitute's name must be 200 characters or fewer",
        "value_error": "The substitute's name must be one line of text, without control characters",
    },
    "email": {
        "*": "Enter the substitute's email address in the correct format, like name@example.org",
    },
    "role": {
        "string_too_long": "The role must be 200 characters or fewer",
        "too_long": "The role must be 200 characters or fewer",
        "value_error": "The role must be one line of text, without control characters",
    },
}


def _message(messages: dict[str, dict[str, str]], field: str, error: dict[str, Any]) -> str:
    known = messages.get(field, {})
    return known.get(error["type"]) or known.get("*") or str(error["msg"])


def substitute(name: str, email: str, role: str) -> tuple[Participant | None, dict[str, str]]:
    """The substitute, or the first error of each field keyed by the field's id."""
    try:
        return (
            Participant.model_validate(
                {"name": name.strip(), "email": email.strip(), "role": role.strip() or None}
            ),
            {},
        )
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "name"
            errors.setdefault(field, _message(SUBSTITUTE_MESSAGES, field, dict(error)))
        ordered = {f: errors[f] for f in ("name", "email", "role") if f in errors}
        return None, ordered


_REASON = TypeAdapter(Reason)
_REQUIRED_REASON = TypeAdapter(RequiredReason)


def reason(text: str, *, required: bool) -> tuple[str | None, str | None]:
    """(the reason, or None if left empty; an error message)."""
    try:
        if required:
            return _REQUIRED_REASON.validate_python(text.strip()), None
        return (_REASON.validate_python(text.strip()) or None), None
    except ValidationError as exc:
        kind = exc.errors()[0]["type"]
        if kind in ("string_too_short", "too_short"):
            return None, "Enter the reason, so that the participant knows why"
        if kind in ("string_too_long", "too_long"):
            return None, "The reason must be 2,000 characters or fewer"
        return None, "The reason must not contain control characters"


RATINGS = ("1", "2", "3", "4", "5")


def evaluation(rating: str, comments: str) -> tuple[Evaluation | None, dict[str, str]]:
    errors: dict[str, str] = {}
    if rating not in RATINGS:
        errors["rating"] = "Choose a rating from 1 (poor) to 5 (excellent)"
    try:
        # a valid stand-in rating, so that the comments are checked whatever the rating was
        checked = Evaluation.model_validate(
            {"rating": int(rating) if rating in RATINGS else 1, "comments": comments or None}
        )
    except ValidationError as exc:
        kind = exc.errors()[0]["type"]
        errors["comments"] = (
            "Comments must be 5,000 characters or fewer"
            if kind in ("string_too_long", "too_long")
            else "Comments must not contain control characters"
        )
    if errors:
        return None, errors
    return checked, {}
