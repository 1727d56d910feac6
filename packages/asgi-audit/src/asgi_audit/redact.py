"""Small composable redaction steps applied to every captured JSON body and query string
(and, through `RedactQueriesInText`, to the query strings a host's log lines carry).

Each step is configured once in `__init__` and applied in `__call__`; `chain` composes them.
A key is secret when its normalised form (lowercase, without `-`, `_`, `.` and spaces) is one
of `exact` or contains one of `parts`: `Client-Secret`, `client_secret` and `clientSecret`
are the same key. `RedactBody`, what every body goes through, is `RedactKeys` then `ScrubNul`
fused into one walk.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote_plus

from asgi_audit.types import JSON

REDACTED = "[REDACTED]"
"""What a secret value becomes."""

Redactor = Callable[[JSON], JSON]
"""One redaction step: a JSON value in, a JSON value out (the input is never mutated)."""

DEFAULT_SECRET_PARTS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "privatekey",
    "authorization",
    "cookie",
    "credential",
)
"""Any key containing one of these (after normalisation) is secret."""

DEFAULT_SECRET_EXACT = frozenset({"pwd", "pin", "otp", "sessionid", "sid", "signature", "grant"})
"""Short names that are secret only as a whole key."""

KEY_CACHE_SIZE = 4096
"""How many distinct keys a `SecretKeys` remembers its decision for."""

MAX_DEPTH = 200
"""Deeper JSON is not walked; the body is then recorded like a non-JSON body."""

_SEPARATORS = str.maketrans("", "", "-_. ")


class TooDeep(ValueError):
    """A JSON value nests deeper than `MAX_DEPTH`."""


def normalize_key(key: str) -> str:
    return key.lower().translate(_SEPARATORS)


class SecretKeys:
    """Decides whether a key names a secret."""

    def __init__(
        self,
        parts: Iterable[str] = DEFAULT_SECRET_PARTS,
        exact: Iterable[str] = DEFAULT_SECRET_EXACT,
    ) -> None:
        self.parts = tuple(normalize_key(p) for p in parts)
        self.exact = frozenset(normalize_key(e) for e in exact)
        # The same few keys recur in every body: decide each once (bounded: keys come from clients).
        self.decide: Callable[[str], bool] = functools.lru_cache(maxsize=KEY_CACHE_SIZE)(
            self._is_secret
        )
        """The cached decision itself, for hot loops (one call fewer than calling this object)."""

    def __call__(self, key: str) -> bool:
        return self.decide(key)

    def _is_secret(self, key: str) -> bool:
        name = normalize_key(key)
        return name in self.exact or any(part in name for part in self.parts)


class RedactKeys:
    """Replaces the value of every secret key, at any depth, with `[REDACTED]`."""

    def __init__(self, is_secret: Callable[[str], bool] | None = None) -> None:
        self.is_secret = is_secret or SecretKeys()

    def __call__(self, value: JSON) -> JSON:
        return self._walk(value, 0)

    def _walk(self, value: JSON, depth: int) -> JSON:
        if depth > MAX_DEPTH:
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH}")
        if isinstance(value, dict):
            return {
                k: REDACTED if self.is_secret(k) else self._walk(v, depth + 1)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._walk(v, depth + 1) for v in value]
        return value


class ScrubNul:
    """Replaces NUL characters in strings and keys, which PostgreSQL's JSONB cannot store."""

    def __call__(self, value: JSON) -> JSON:
        if isinstance(value, str):
            return value.replace("\x00", "\ufffd") if "\x00" in value else value
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}  # type: ignore[misc]
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


class KeepFields:
    """Keeps only the declared top-level fields of an object (of each object in a list)."""

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = tuple(fields)

    def __call__(self, value: JSON) -> JSON:
        if isinstance(value, dict):
            return {f: value[f] for f in self.fields if f in value}
        if isinstance(value, list):
            return [self(v) for v in value]
        return None


class RedactBody:
    """`RedactKeys` then `ScrubNul` in one walk: the same output, one copy instead of two.

    Every response of an audited read goes through this on the event loop, so it visits each
    value once, recurses only into containers, and decides each key through `SecretKeys`'s cache.
    """

    def __init__(self, is_secret: Callable[[str], bool] | None = None) -> None:
        self.is_secret = is_secret or SecretKeys()
        self._secret = (
            self.is_secret.decide if isinstance(self.is_secret, SecretKeys) else self.is_secret
        )

    def __call__(self, value: JSON) -> JSON:
        if isinstance(value, dict):
            return self._object(value, 0)
        if isinstance(value, list):
            return self._array(value, 0)
        if isinstance(value, str) and "\x00" in value:
            return value.replace("\x00", "\ufffd")
        return value

    def _object(self, value: dict[str, JSON], depth: int) -> JSON:
        is_secret = self._secret
        if depth >= MAX_DEPTH and not all(is_secret(k) for k in value):
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH}")
        out: dict[str, JSON] = {}
        for key, item in value.items():
            if is_secret(key):
                item = REDACTED
            elif isinstance(item, str):
                if "\x00" in item:
                    item = item.replace("\x00", "\ufffd")
            elif isinstance(item, dict):
                item = self._object(item, depth + 1)
            elif isinstance(item, list):
                item = self._array(item, depth + 1)
            if "\x00" in key:
                key = key.replace("\x00", "\ufffd")
            out[key] = item
        return out

    def _array(self, value: list[JSON], depth: int) -> JSON:
        if depth >= MAX_DEPTH and value:
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH}")
        out: list[JSON] = []
        append = out.append
        for item in value:
            if isinstance(item, str):
                if "\x00" in item:
                    item = item.replace("\x00", "\ufffd")
            elif isinstance(item, dict):
                item = self._object(item, depth + 1)
            elif isinstance(item, list):
                item = self._array(item, depth + 1)
            append(item)
        return out


def chain(*steps: Redactor) -> Redactor:
    """One redactor that applies `steps` in order."""

    def redact(value: JSON) -> JSON:
        for step in steps:
            value = step(value)
        return value

    return redact


class RedactQuery:
    """Replaces the values of secret parameters in a raw query string, keeping its encoding."""

    def __init__(self, is_secret: Callable[[str], bool] | None = None) -> None:
        self.is_secret = is_secret or SecretKeys()

    def __call__(self, query: str) -> str:
        if not query:
            return query
        pairs = []
        for pair in query.split("&"):
            name, sep, _ = pair.partition("=")
            if self.is_secret(unquote_plus(name)):
                pair = f"{name}{sep or '='}{REDACTED}"
            pairs.append(pair)
        return "&".join(pairs)


class RedactQueriesInText:
    """Redacts the secret parameters of every query string inside free text, e.g. a log line.

    A query string is whatever follows a `?` up to the next whitespace; each goes through
    `redact_query`, so a log line hides exactly what the audit record's path hides.
    """

    _QUERY = re.compile(r"\?(\S+)")

    def __init__(self, redact_query: Callable[[str], str] | None = None) -> None:
        self.redact_query = redact_query or RedactQuery()

    def __call__(self, text: str) -> str:
        if "?" not in text:
            return text
        return self._QUERY.sub(self._replace, text)

    def _replace(self, found: re.Match[str]) -> str:
        return "?" + self.redact_query(found.group(1))


def default_redactor() -> Redactor:
    """Secret keys redacted, then NULs scrubbed: what every captured JSON body goes through.

    `RedactBody`, which gives exactly what `chain(RedactKeys(), ScrubNul())` gives.
    """
    return RedactBody()
