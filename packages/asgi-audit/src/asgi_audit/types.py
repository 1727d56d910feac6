"""The core types of the audit engine, named once."""

from __future__ import annotations

from typing import TypeAlias

from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
"""A JSON value as `orjson.loads` returns it."""

JSONObject: TypeAlias = "dict[str, JSON]"
"""A JSON object."""

__all__ = ["JSON", "ASGIApp", "JSONObject", "Message", "Receive", "Scope", "Send"]
