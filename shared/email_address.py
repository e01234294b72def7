"""Email addresses validated once per process.

Pydantic's ``EmailStr`` runs ``email_validator`` (some 70 µs an address) each time a model is
validated. One address goes through several: a booking's participant is checked at the API and
again when its event's contract is built; a consumer decodes the same booker and CPD lead in
event after event. ``Email`` is ``EmailStr`` (the same rules, errors and schema) remembering the
addresses it has accepted: the same string again is answered from memory.
"""

from typing import Annotated

from pydantic import EmailStr, ValidatorFunctionWrapHandler, WrapValidator

LIMIT = 10_000
"""Addresses remembered; past it the memory starts again (a few hundred kB at most)."""

_accepted: dict[str, str] = {}


def _remembered(value: object, validate: ValidatorFunctionWrapHandler) -> str:
    if isinstance(value, str):
        known = _accepted.get(value)
        if known is not None:
            return known
    address: str = validate(value)
    if isinstance(value, str):
        if len(_accepted) >= LIMIT:
            _accepted.clear()
        _accepted[value] = address
    return address


Email = Annotated[EmailStr, WrapValidator(_remembered)]
