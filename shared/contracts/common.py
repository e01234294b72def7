"""Value types shared by event contracts."""

from pydantic import BaseModel, ConfigDict

from shared.email_address import Email


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
