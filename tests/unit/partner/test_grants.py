"""Access grants: signed by the Provisioner's Ed25519 key, refused when anything is off."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from callmanager.partner.grants import (
    GrantRefused,
    key_id,
    new_grant,
    sign_grant,
    verify_grant,
)
from callmanager.partner.keys import (
    local_private_key,
    parse_public_key,
    trusted_public_key,
    uses_local_key,
)
from callmanager.settings import Settings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TENANT = uuid.UUID("01a2146d-e7bd-720b-9e21-c80285c7964d")
KEY = Ed25519PrivateKey.generate()


def signed(now: datetime = NOW, **changes: object) -> str:
    grant = new_grant(TENANT, "Provisioner Support", now=now)
    return sign_grant(grant, KEY) if not changes else forge(sign_grant(grant, KEY), **changes)


def forge(token: str, *, resign: bool = False, **changes: object) -> str:
    """The token with payload fields changed; re-signed with KEY only if `resign`."""
    prefix, segment, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    payload.update(changes)
    new_segment = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    if resign:
        signature = base64.urlsafe_b64encode(KEY.sign(new_segment.encode())).rstrip(b"=").decode()
    return f"{prefix}.{new_segment}.{signature}"


def refusal(token: str, now: datetime = NOW) -> str:
    with pytest.raises(GrantRefused) as refused:
        verify_grant(token, KEY.public_key(), now=now)
    assert refused.value.status == 401
    return refused.value.reason


def test_a_signed_grant_verifies_to_what_was_signed() -> None:
    grant = new_grant(TENANT, "Provisioner Support", now=NOW)
    verified = verify_grant(sign_grant(grant, KEY), KEY.public_key(), now=NOW)
    assert verified.tenant_id == TENANT
    assert verified.partner_org == "Provisioner Support"
    assert verified.nonce == grant.nonce
    assert verified.expires_at - verified.issued_at == timedelta(minutes=15)


def test_each_grant_has_its_own_nonce() -> None:
    grants = {new_grant(TENANT, "P", now=NOW).nonce for _ in range(50)}
    assert len(grants) == 50


def test_a_grant_with_a_changed_tenant_has_a_bad_signature() -> None:
    assert refusal(signed(tid=str(uuid.uuid4()))) == "bad_signature"


def test_a_grant_with_a_corrupted_signature_is_refused() -> None:
    token = signed()
    corrupted = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert refusal(corrupted) == "bad_signature"


def test_a_grant_signed_by_another_key_is_refused_as_an_unknown_key() -> None:
    other = Ed25519PrivateKey.generate()
    token = sign_grant(new_grant(TENANT, "P", now=NOW), other)
    assert refusal(token) == "unknown_key"


def test_a_forger_naming_the_right_key_id_still_fails_the_signature() -> None:
    other = Ed25519PrivateKey.generate()
    token = sign_grant(new_grant(TENANT, "P", now=NOW), other)
    assert refusal(forge(token, kid=key_id(KEY.public_key()))) == "bad_signature"


def test_an_expired_grant_is_refused() -> None:
    assert refusal(signed(), now=NOW + timedelta(minutes=15)) == "expired"


def test_a_grant_is_good_until_just_before_it_expires() -> None:
    verify_grant(signed(), KEY.public_key(), now=NOW + timedelta(minutes=14, seconds=59))


def test_a_grant_living_longer_than_fifteen_minutes_is_refused() -> None:
    exp = int((NOW + timedelta(minutes=16)).timestamp())
    assert refusal(signed(exp=exp, resign=True)) == "malformed"


def test_a_grant_issued_in_the_future_is_refused() -> None:
    assert refusal(signed(now=NOW + timedelta(minutes=5))) == "not_yet_valid"


def test_a_small_clock_skew_is_tolerated() -> None:
    verify_grant(signed(now=NOW + timedelta(seconds=30)), KEY.public_key(), now=NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "cmg1.abc",
        "xyz1.a.b",
        "cmg1.!!!.???",
        "cmg1.bm90IGpzb24.AAAA",
        "cmg1." + "a" * 3000 + ".b",
    ],
)
def test_something_that_is_not_a_grant_is_refused_as_malformed(token: str) -> None:
    assert refusal(token) == "malformed"


@pytest.mark.parametrize(
    "changes",
    [{"tid": "not-a-uuid"}, {"org": ""}, {"nonce": "short"}, {"iat": "soon"}, {"org": 5}],
)
def test_a_validly_signed_grant_with_a_bad_field_is_refused(changes: dict[str, object]) -> None:
    assert refusal(signed(resign=True, **changes)) == "malformed"


def test_a_public_key_is_read_from_pem_or_base64() -> None:
    public = KEY.public_key()
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    raw = base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    assert key_id(parse_public_key(pem)) == key_id(public)
    assert key_id(parse_public_key(raw)) == key_id(public)


@pytest.mark.parametrize(
    "text", ["", "AAAA", "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----"]
)
def test_a_public_key_that_is_not_ed25519_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"key|Could not|PEM|bytes|Unable|unsupported"):
        parse_public_key(text)


def test_the_local_provisioner_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    first = local_private_key(settings)
    second = local_private_key(settings)
    assert key_id(first.public_key()) == key_id(second.public_key())
    assert (tmp_path / "provisioner_ed25519.pem").stat().st_mode & 0o777 == 0o600
    assert uses_local_key(settings)
    assert key_id(trusted_public_key(settings)) == key_id(first.public_key())


def test_a_configured_provisioner_key_replaces_the_local_one(tmp_path: Path) -> None:
    raw = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    settings = Settings(var_dir=tmp_path, provisioner_public_key=base64.b64encode(raw).decode())
    assert not uses_local_key(settings)
    assert key_id(trusted_public_key(settings)) == key_id(KEY.public_key())
    assert not (tmp_path / "provisioner_ed25519.pem").exists()
