import email_validator
import pytest
from pydantic import BaseModel, EmailStr, ValidationError

from shared import email_address
from shared.email_address import Email


class Remembering(BaseModel):
    email: Email


class Plain(BaseModel):
    email: EmailStr


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses email_validator is asked about, from a memory that starts empty."""
    monkeypatch.setattr(email_address, "_accepted", {})
    asked: list[str] = []
    validate = email_validator.validate_email

    def counting(address: str, **options: object) -> object:
        asked.append(address)
        return validate(address, **options)

    monkeypatch.setattr(email_validator, "validate_email", counting)
    return asked


VALID = [
    "ann@school.org.uk",
    "Ann.Lee@School.ORG",
    "Ann <ann@school.org>",
    " ann@x.org ",
    "PostMaster@x.org",
]
INVALID = ["ann", "ann@localhost", "a..b@x.org", "ann@x.test", "ann@-x.org", ""]


@pytest.mark.parametrize("address", VALID)
def test_the_same_address_as_emailstr_gives(address: str, checks: list[str]) -> None:
    first = Remembering(email=address).email
    again = Remembering(email=address).email
    assert first == again == Plain(email=address).email


@pytest.mark.parametrize("address", INVALID)
def test_the_same_refusal_as_emailstr_gives_every_time(address: str, checks: list[str]) -> None:
    with pytest.raises(ValidationError) as plain:
        Plain(email=address)
    for _ in range(2):
        with pytest.raises(ValidationError) as remembering:
            Remembering(email=address)
        [error] = remembering.value.errors()
        [expected] = plain.value.errors()
        assert (error["loc"], error["msg"], error["type"]) == (
            expected["loc"],
            expected["msg"],
            expected["type"],
        )


def test_an_address_is_checked_once_then_remembered(checks: list[str]) -> None:
    for _ in range(3):
        Remembering(email="ann@school.org")
    Remembering(email="Ann@school.org")  # another string: checked on its own
    assert checks == ["ann@school.org", "Ann@school.org"]


def test_a_refused_address_is_checked_again_each_time(checks: list[str]) -> None:
    for _ in range(2):
        with pytest.raises(ValidationError):
            Remembering(email="a..b@x.org")
    assert checks == ["a..b@x.org", "a..b@x.org"]


def test_the_memory_is_bounded(checks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(email_address, "LIMIT", 3)
    for n in range(7):
        Remembering(email=f"p{n}@school.org")
    assert len(email_address._accepted) <= 3
    Remembering(email="p0@school.org")
    assert checks[-1] == "p0@school.org"  # forgotten, so checked again


def test_the_schema_is_emailstr_s() -> None:
    assert Remembering.model_json_schema()["properties"]["email"] == {
        "format": "email",
        "title": "Email",
        "type": "string",
    }
