"""The Provisioner's public key Call Manager trusts, and the local demo Provisioner's key pair.

With `provisioner_public_key` set (PEM, or the raw 32 bytes in base64), only that key is trusted.
Without it, a demo Provisioner key pair is generated once and kept in `var_dir`, so that
`callmanager partner grant` can stand in for the real Provisioner.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from callmanager.settings import Settings

LOCAL_KEY_FILE = "provisioner_ed25519.pem"


def parse_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM or from base64 of its 32 raw bytes; ValueError otherwise."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the Provisioner public key is not an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=False)
    except (binascii.Error, ValueError):
        raise ValueError("the Provisioner public key is neither PEM nor base64") from None
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def local_private_key(settings: Settings) -> Ed25519PrivateKey:
    """The demo Provisioner's private key, created on first use (file mode 0600)."""
    path = settings.var_dir / LOCAL_KEY_FILE
    if path.exists():
        key = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.touch(mode=0o600)
    temporary.write_bytes(pem)
    temporary.replace(path)
    return key


def trusted_public_key(settings: Settings) -> Ed25519PublicKey:
    """The key grants must be signed with: the configured one, else the local demo key's."""
    if settings.provisioner_public_key:
        return parse_public_key(settings.provisioner_public_key)
    return local_private_key(settings).public_key()


def uses_local_key(settings: Settings) -> bool:
    return not settings.provisioner_public_key
