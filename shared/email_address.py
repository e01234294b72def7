"""Email addresses at a fraction of ``EmailStr``'s cost, with its rules, errors and schema.

Pydantic's ``EmailStr`` runs ``email_validator`` (some 70 µs an address, most of a booking
request's validation), and one address goes through several models: a booking's participant
is checked at the API and again when its event's contract is built; a consumer decodes the
same booker and CPD lead in event after event. ``Email`` is ``EmailStr`` with two shortcuts:

- a plain address (lower-case letters and digits, ``.``, ``_``, ``+``, ``-`` between them
  before the @, lower-case DNS labels after it, within the length limits, not a special-use
  domain) is one ``email_validator`` accepts unchanged (tests/platform/test_email_address.py
  checks the two agree), so it is taken as it is;
- any other address accepted once is remembered, and the same string again is answered from
  memory.

Everything else (capitals, quotes, display names, Unicode, errors) goes to ``EmailStr``.
"""

import re
from typing import Annotated

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import EmailStr, ValidatorFunctionWrapHandler, WrapValidator

_PLAIN = re.compile(
    r"(?P<local>[a-z0-9]+(?:[._+-][a-z0-9]+)*)@(?P<domain>(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)+[a-z]{2,63})"
)
_SPECIAL_USE = tuple("." + name for name in SPECIAL_USE_DOMAIN_NAMES)
MAX_LENGTH = 254
"""Of a whole address (RFC 3696 errata, as email_validator); 64 before the @."""

LIMIT = 10_000
"""Addresses remembered; past it the memory starts again (a few hundred kB at most)."""

_accepted: dict[str, str] = {}


def is_plain(address: str) -> bool:
    """Whether ``address`` is plain (see the module's docstring)."""
    if len(address) > MAX_LENGTH:
        return False
    match = _PLAIN.fullmatch(address)
    if match is None or len(match["local"]) > 64:
        return False
    domain = match["domain"]
    return not ("." + domain).endswith(_SPECIAL_USE) and all(
        len(label) <= 63 for label in domain.split(".")
    )


def _checked(value: object, validate: ValidatorFunctionWrapHandler) -> str:
    if type(value) is not str:
        return str(validate(value))
    if is_plain(value):
        return value
    known = _accepted.get(value)
    if known is not None:
        return known
    address: str = validate(value)
    if len(_accepted) >= LIMIT:
        _accepted.clear()
    _accepted[value] = address
    return address


Email = Annotated[EmailStr, WrapValidator(_checked)]
