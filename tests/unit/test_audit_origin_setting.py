"""CALLMANAGER_AUDIT_ORIGIN becomes the first line of every checkpoint and names the signing
key: what a signed note cannot hold (C2SP signed-note: no control characters; key names: no
spaces, no '+') is refused when the settings are read, not at the first checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from callmanager.settings import Settings


@pytest.mark.parametrize(
    "origin",
    [
        "audit.example.com/log\t",
        "audit.example.com\r",
        "audit.example.com/\x1b[31m",
        "audit.example.com/my log",
        "audit example.com",
        "audit.example.com/\u00a0log",
        "audit+1.example.com",
        "audit.example.com/a+b",
        " ",
    ],
)
def test_an_audit_origin_a_checkpoint_cannot_carry_is_refused_with_the_reason(
    origin: str, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="audit_origin"):
        Settings(var_dir=tmp_path, audit_origin=origin)


@pytest.mark.parametrize(
    ("origin", "resolved"),
    [
        ("audit.example.com", "audit.example.com"),
        ("audit.example.com/", "audit.example.com"),
        ("audit.example.com:8443/call-manager", "audit.example.com:8443/call-manager"),
        ("bücher.example", "bücher.example"),
        ("", None),
    ],
)
def test_a_schema_less_url_or_nothing_is_a_valid_audit_origin(
    origin: str, resolved: str | None, tmp_path: Path
) -> None:
    settings = Settings(var_dir=tmp_path, audit_origin=origin)
    assert settings.resolved_audit_origin == (resolved or settings.resolved_audit_origin)
    assert settings.resolved_audit_origin
