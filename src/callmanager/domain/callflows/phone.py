"""E.164 phone numbers: parsed and checked by `phonenumbers`, stored in canonical form."""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, Field

E164_MAX_LENGTH = 16
"""A '+' and at most 15 digits (ITU-T E.164)."""


def normalize_e164(value: str) -> str:
    """The canonical E.164 form of `value`; ValueError unless a valid international number."""
    if not value.startswith("+"):
        raise ValueError("a phone number must be in E.164 form, starting with '+'")
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number for its country")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


WRITTEN_NUMBER = r"^\+[0-9][0-9 ().-]*$"
"""How a number may be written: '+', the country code's first digit, then digits and spacing."""

E164 = Annotated[
    str,
    Field(min_length=3, max_length=32, pattern=WRITTEN_NUMBER),
    AfterValidator(normalize_e164),
]
"""A phone number accepted in any spacing and stored as canonical E.164 ('+442079460123')."""
