import email_validator
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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
        assert Remembering(email="Ann@School.org").email == "Ann@school.org"
    Remembering(email="Ann@school.org")  # another string: checked on its own
    assert checks == ["Ann@School.org", "Ann@school.org"]


def test_a_refused_address_is_checked_again_each_time(checks: list[str]) -> None:
    for _ in range(2):
        with pytest.raises(ValidationError):
            Remembering(email="a..b@x.org")
    assert checks == ["a..b@x.org", "a..b@x.org"]


def test_the_memory_is_bounded(checks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(email_address, "LIMIT", 3)
    for n in range(7):
        Remembering(email=f"P{n}@school.org")
    assert len(email_address._accepted) <= 3
    Remembering(email="P0@school.org")
    assert checks[-1] == "P0@school.org"  # forgotten, so checked again


def test_the_schema_is_emailstr_s() -> None:
    assert Remembering.model_json_schema()["properties"]["email"] == {
        "format": "email",
        "title": "Email",
        "type": "string",
    }


PLAIN = ["ann@school.org", "ann.lee+cpd@mail.school.org.uk", "a_b-c@x-y.io", "p-1f3e@bench.org"]
NOT_PLAIN = [
    "Ann@school.org",  # capitals
    "ann@School.org",
    "ann@x.test",  # special-use
    "ann@mail.localhost",
    "ann@x.org.",
    "ann@x.c0m",  # a digit in the top-level domain
    "ann@xn--bcher-kva.example",  # Punycode
    "a..b@x.org",
    ".ann@x.org",
    "ann@-x.org",
    "ann@x-.org",
    "ann@x--y.org",
    '"ann"@x.org',
    "Ann <ann@x.org>",
    " ann@x.org",
    "ann@x.org ",
    "anné@x.org",
    "a" * 65 + "@x.org",
    "ann@" + "x" * 64 + ".org",
    "ann@" + "x." * 124 + "org",
]


@pytest.mark.parametrize("address", PLAIN)
def test_a_plain_address_is_taken_without_email_validator(address: str, checks: list[str]) -> None:
    assert email_address.is_plain(address)
    assert Remembering(email=address).email == address
    assert checks == []
    assert Plain(email=address).email == address


@pytest.mark.parametrize("address", NOT_PLAIN)
def test_anything_else_is_not_plain(address: str) -> None:
    assert not email_address.is_plain(address)


LONG = st.integers(60, 70)
LOCAL = (
    st.text("ab0._+-", min_size=1, max_size=10)
    | st.text('aZ0.é" <', max_size=4)
    | LONG.map("a".__mul__)
)
LABEL = (
    st.text("ab0-", min_size=1, max_size=8) | st.text("0-xnZ", max_size=5) | LONG.map("b".__mul__)
)
TOP_LEVEL = st.sampled_from(["org", "uk", "test", "local", "localhost", "onion", "c0m", "x", ""])
ADDRESSES = st.builds(
    "{}@{}.{}".format, LOCAL, st.lists(LABEL, min_size=1, max_size=4).map(".".join), TOP_LEVEL
)


@settings(max_examples=1000, deadline=None)
@given(ADDRESSES)
def test_every_plain_address_is_one_email_validator_takes_unchanged(address: str) -> None:
    if not email_address.is_plain(address):
        return
    assert email_validator.validate_email(address, check_deliverability=False).normalized == address
