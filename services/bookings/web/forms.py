"""Form errors in the GOV.UK pattern: one message per field, saying what to do about it."""

from pydantic import ValidationError

FIELDS = {
    ("participant", "name"): "participant_name",
    ("participant", "email"): "participant_email",
    ("participant", "role"): "participant_role",
    ("access_needs",): "access_needs",
}
LABELS = {
    "participant_name": "The participant's name",
    "participant_role": "The role",
    "access_needs": "Access needs",
}
LIMITS = {"participant_name": "200", "participant_role": "200", "access_needs": "2,000"}


def message(field: str, error_type: str, detail: str) -> str:
    if field == "participant_email":
        return "Enter an email address in the correct format, like name@example.org"
    label = LABELS.get(field)
    if label is None:
        return detail
    if error_type == "value_error":
        # shared.text refused a control character (a line break in a name, say).
        if field == "access_needs":
            return f"{label} must not contain control characters"
        return f"{label} must be one line of text, without control characters"
    if error_type in ("too_long", "string_too_long"):
        return f"{label} must be {LIMITS[field]} characters or fewer"
    if field == "participant_name":
        return "Enter the participant's full name"
    return detail


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The first error of each form field, keyed by the field's id on the page."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = FIELDS.get(tuple(str(p) for p in error["loc"]), "book")
        errors.setdefault(field, message(field, error["type"], error["msg"]))
    return errors
