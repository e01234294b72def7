"""Value types shared by event contracts."""

from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, WithJsonSchema
from pydantic.networks import import_email_validator, validate_email

import_email_validator()  # as EmailStr does: without email-validator, fail at import


@lru_cache(maxsize=4096)
def _email(value: str) -> str:
    return validate_email(value)[1]


# EmailStr's check and schema, each address checked once per process: the same people (a
# school's CPD lead, the alliance's staff) are in event after event, and email-validator's
# check was most of the time it took to read an event.
Email = Annotated[
    str, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email"})
]


class Contact(BaseModel):
    """A person the notifications service may write to: no more than it needs."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    email: Email
    role: str | None = None


class SchoolRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    urn: str
    name: str
