"""Shared building blocks of request and response bodies."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema

from callmanager.domain.text import lines, one_line


class RequestBody(BaseModel):
    """A request body: unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Name = Annotated[str, one_line(120)]
Description = Annotated[str, lines(1000)]
PersonName = Annotated[str, one_line(200)]
Password = Annotated[str, StringConstraints(min_length=10, max_length=256)]

INSTANT = {"anyOf": [{"type": "string", "format": f} for f in ("date", "date-time")]}
"""How the document describes a search range's end: an ISO 8601 date or date-time."""
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_8601(value: object) -> object:
    """pydantic would also take a bare number as Unix time; the document promises ISO 8601."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("not an ISO 8601 date or date-time")
    return value


Instant = Annotated[datetime, BeforeValidator(_iso_8601), WithJsonSchema(INSTANT)]
"""A date-time (or a date: its midnight) in ISO 8601."""
