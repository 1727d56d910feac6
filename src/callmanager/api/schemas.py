"""Shared building blocks of request and response bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

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
