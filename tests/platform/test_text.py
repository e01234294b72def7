import pytest
from pydantic import BaseModel, ValidationError

from shared.text import MultiLine, SingleLine


class Form(BaseModel):
    name: SingleLine
    notes: MultiLine = ""


@pytest.mark.parametrize("bad", ["Ann\r\nBcc: x@evil.test", "Ann\nLee", "Ann\x00", "A\u2028B"])
def test_a_single_line_refuses_control_characters(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Form(name=bad)
    assert caught.value.errors()[0]["loc"] == ("name",)


def test_a_single_line_is_trimmed_and_kept() -> None:
    assert Form(name="  Ann O'Neill ").name == "Ann O'Neill"


def test_multi_line_text_keeps_line_breaks_but_not_other_control_characters() -> None:
    assert Form(name="A", notes="one\r\ntwo\tthree").notes == "one\r\ntwo\tthree"
    with pytest.raises(ValidationError):
        Form(name="A", notes="bell\x07")
