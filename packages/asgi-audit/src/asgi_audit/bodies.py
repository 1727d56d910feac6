"""Turning the bytes of a request or response body into its `Body` record.

Chunks are kept by reference (no copy) up to the capture limit; past it the body is only
counted and hashed, and a cut body is never parsed (its prefix could hold an unredacted
secret), so a truncated body is recorded as content type, size, SHA-256 and `truncated`.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl

import orjson

from asgi_audit.events import Body
from asgi_audit.redact import Redactor, TooDeep
from asgi_audit.types import JSON

CAPTURE_LIMIT = 64 * 1024
"""Bodies larger than this (bytes) are recorded as truncated: size and SHA-256 only."""

PROBLEM_FIELDS = ("type", "title", "status", "detail")
"""RFC 9457 members a sensitive route's error response keeps, so failures stay explained."""


class BodyBuffer:
    """Collects one body's chunks as they pass, switching to hashing once over the limit."""

    __slots__ = ("_hash", "chunks", "complete", "limit", "size")

    def __init__(self, limit: int = CAPTURE_LIMIT) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0
        self.complete = False
        self._hash: hashlib._Hash | None = None

    @property
    def truncated(self) -> bool:
        return self._hash is not None

    def add(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.size += len(chunk)
        if self._hash is not None:
            self._hash.update(chunk)
        elif self.size <= self.limit:
            self.chunks.append(chunk)
        else:
            self._hash = hashlib.sha256()
            for kept in self.chunks:
                self._hash.update(kept)
            self._hash.update(chunk)
            self.chunks = []

    def record(
        self,
        content_type: str | None,
        redact: Redactor,
        *,
        parse: bool = True,
        keep: Redactor | None = None,
    ) -> Body:
        """The body as recorded. `keep` marks a sensitive body: only what it keeps survives.

        `parse=False` records even a JSON body as opaque bytes: a compressed body, or a
        response its route says not to store.
        """
        if self._hash is not None:
            digest = self._hash.hexdigest() if self.complete and keep is None else None
            return Body(
                content_type, self.size, truncated=True, sha256=digest, sensitive=bool(keep)
            )
        data = b"".join(self.chunks)
        if not data:
            return Body(content_type, 0, sensitive=bool(keep))
        parsed = _parse(content_type, data) if parse else None
        if parsed is None:
            if keep is not None:
                return Body(content_type, self.size, sensitive=True)
            return Body(content_type, self.size, sha256=hashlib.sha256(data).hexdigest())
        value = parsed[0]
        if keep is not None:
            value = _keep(value, keep, content_type)
        try:
            value = redact(value)
        except TooDeep:
            return Body(content_type, self.size, sha256=hashlib.sha256(data).hexdigest())
        return Body(content_type, self.size, is_json=True, json=value, sensitive=keep is not None)


def media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    return content_type.partition(";")[0].strip().lower()


def is_json_media(content_type: str | None) -> bool:
    media = media_type(content_type)
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _parse(content_type: str | None, data: bytes) -> tuple[JSON] | None:
    """The body as JSON (a 1-tuple, since JSON `null` is a value), or None if it isn't JSON."""
    media = media_type(content_type)
    if is_json_media(content_type):
        try:
            return (orjson.loads(data),)
        except orjson.JSONDecodeError:
            return None
    if media == "application/x-www-form-urlencoded":
        try:
            text = data.decode("utf-8", errors="strict")
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            return None
        form: dict[str, JSON] = {}
        for name, value in pairs:
            previous = form.get(name)
            if previous is None:
                form[name] = value
            elif isinstance(previous, list):
                previous.append(value)
            else:
                form[name] = [previous, value]
        return (form,)
    return None


def _keep(value: JSON, keep: Redactor, content_type: str | None) -> JSON:
    kept = keep(value)
    if media_type(content_type) == "application/problem+json" and isinstance(value, dict):
        problem = {f: value[f] for f in PROBLEM_FIELDS if f in value}
        return {**problem, **kept} if isinstance(kept, dict) else problem
    return kept
