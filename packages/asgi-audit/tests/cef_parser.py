"""A CEF:0 parser written from the format's specification (ArcSight "Implementing ArcSight CEF"),
independent of the code under test: the judge of what `cef` writes.

The rules it applies: a line is `CEF:Version|Device Vendor|Device Product|Device Version|Device
Event Class ID|Name|Severity|Extension`; in the header a backslash escapes a pipe or a backslash,
and no other character may follow one. The extension is space-separated `key=value` pairs whose
keys are alphanumeric; in a value a backslash escapes `\\`, `=`, and stands for a line break in
`\\n` or `\\r`; an unescaped `=` can only follow a key, so a value runs until the space before the
next key. A raw line break may not appear anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER_FIELDS = 7
_KEY = re.compile(r"[A-Za-z0-9_]+\Z")


class CefError(ValueError):
    """The line breaks the specification's rules."""


@dataclass(frozen=True)
class CefLine:
    version: str
    vendor: str
    product: str
    device_version: str
    event_class_id: str
    name: str
    severity: str
    extension: dict[str, str]


def parse(line: str) -> CefLine:
    if "\n" in line or "\r" in line:
        raise CefError("a raw line break")
    header, rest = _split_header(line)
    if not header[0].startswith("CEF:"):
        raise CefError("no CEF: prefix")
    return CefLine(header[0][4:], *header[1:], extension=_parse_extension(rest))


def unescaped_pipes(header_text: str) -> int:
    """How many pipes in `header_text` no backslash escapes."""
    count, escaped = 0, False
    for char in header_text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            count += 1
    return count


def _split_header(line: str) -> tuple[list[str], str]:
    fields: list[str] = []
    current: list[str] = []
    index = 0
    while len(fields) < HEADER_FIELDS:
        if index >= len(line):
            raise CefError(f"only {len(fields)} header fields")
        char = line[index]
        if char == "\\":
            following = line[index + 1 : index + 2]
            if following not in ("\\", "|"):
                raise CefError(f"a backslash before {following!r} in the header")
            current.append(following)
            index += 2
            continue
        if char == "|":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    return fields, line[index:]


def _parse_extension(text: str) -> dict[str, str]:
    """Find every unescaped `=`: the word before it is a key, the text up to the space before
    the next key is its value."""
    equals: list[int] = []
    index = 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == "=":
            equals.append(index)
        index += 1
    pairs: dict[str, str] = {}
    starts: list[tuple[str, int, int]] = []  # (key, where its key begins, where its value begins)
    for position in equals:
        key_start = text.rfind(" ", 0, position) + 1
        key = text[key_start:position]
        if not _KEY.match(key):
            raise CefError(f"an unescaped '=' after {key!r}, which is no key")
        starts.append((key, key_start, position + 1))
    if starts and starts[0][1] != 0:
        raise CefError("text before the first key")
    for number, (key, _, value_start) in enumerate(starts):
        value_end = starts[number + 1][1] - 1 if number + 1 < len(starts) else len(text)
        if key in pairs:
            raise CefError(f"{key} twice")
        pairs[key] = _unescape_value(text[value_start:value_end])
    return pairs


def _unescape_value(raw: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            following = raw[index + 1 : index + 2]
            replacement = {"\\": "\\", "=": "=", "n": "\n", "r": "\r"}.get(following)
            if replacement is None:
                raise CefError(f"a backslash before {following!r} in a value")
            out.append(replacement)
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)
