"""Text people type: refused at input when it holds control characters, so that a name can never
break an email header, a log line or a CSV row further on."""

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _single_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must be one line of text, without control characters")
    return value


def _multi_line(value: str) -> str:
    if _CONTROL_BUT_NEWLINES.search(value):
        raise ValueError("must not contain control characters")
    return value


SingleLine = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_single_line)]
"""A name, a title, a role: one line, no control characters (CR and LF included)."""

MultiLine = Annotated[str, AfterValidator(_multi_line), AfterValidator(str.strip)]
"""Free text: line breaks and tabs allowed, other control characters refused; the ends are
stripped after that check, so a length constraint counts what is kept."""
