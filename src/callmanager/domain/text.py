"""Text people type into Call Manager: names on one line, descriptions on several, and never a
control character, so every database stores exactly what the API accepted (PostgreSQL refuses
NUL outright; SQLite would keep it) and the log and the UI show what was meant."""

from __future__ import annotations

from pydantic import StringConstraints

ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""No C0 control (NUL, tab, line breaks, escape…), no DEL, no C1 control."""
LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
"""As `ONE_LINE`, but tabs and line breaks are text too."""


def one_line(max_length: int, *, min_length: int = 1) -> StringConstraints:
    """A name, label or identifier: at most `max_length` characters on a single line."""
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=ONE_LINE)


def lines(max_length: int) -> StringConstraints:
    """A description: at most `max_length` characters, possibly over several lines."""
    return StringConstraints(max_length=max_length, pattern=LINES)
