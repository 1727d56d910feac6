"""`callmanager audit`: help, and keygen printing a signer key and the verifier key it makes."""

from __future__ import annotations

import pytest

from asgi_audit.tlog.note import Signer, Verifier
from callmanager.cli import main


@pytest.mark.parametrize("argv", [["audit"], ["audit", "verify"], ["audit", "keygen"]])
def test_every_audit_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    assert "usage: callmanager audit" in capsys.readouterr().out


def test_keygen_prints_a_new_signer_key_then_its_verifier_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["audit", "keygen", "--name", "audit.contoso.example"]) == 0
    signer_key, verifier_key = capsys.readouterr().out.split()
    signer = Signer.parse(signer_key)
    assert signer.name == "audit.contoso.example"
    assert Verifier.parse(verifier_key) == signer.verifier
    assert main(["audit", "keygen"]) == 0
    assert capsys.readouterr().out.split()[0] != signer_key


def test_offline_verify_without_a_key_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["audit", "verify", "--offline", "export.jsonl"]) == 2
    assert "--key" in capsys.readouterr().err
