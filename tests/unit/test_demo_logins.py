"""What `make run` prints: the demo's logins, each role as people read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from callmanager.auth.principal import Role
from callmanager.demo import DemoLogin, print_logins
from callmanager.settings import Settings


def test_the_demo_logins_name_roles_as_people_read_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logins = [DemoLogin(role.value, f"{role.value}@contoso.example", "pw") for role in Role]
    print_logins(logins, Settings(var_dir=tmp_path))
    printed = capsys.readouterr().out
    assert "Tenant Setup" in printed
    assert "tenant_setup " not in printed
    assert all(role.label in printed for role in Role)
