"""Destination secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the server
secret, each sealed to its stream's id so a ciphertext copied onto another stream does not open.

Secrets are JSON objects (`{"secret": "whsec_…"}`, `{"token": …}`, the syslog client's PEMs);
they leave this module only towards a destination, never towards the API or a log line.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"callmanager log stream secrets v1"
"""Names what the derived key is for: it opens nothing else the server secret protects."""
NONCE_BYTES = 12


class SecretsUnreadable(Exception):
    """The stored secrets do not open with this server's key (the server secret changed)."""


class SecretBox:
    """Seals and opens one stream's secrets with the key derived from `server_secret`."""

    def __init__(self, server_secret: str) -> None:
        key = HKDF(algorithm=SHA256(), length=32, salt=None, info=INFO).derive(
            server_secret.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, stream_id: uuid.UUID, secrets: dict[str, Any]) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, orjson.dumps(secrets), stream_id.bytes)

    def open(self, stream_id: uuid.UUID, sealed: bytes | None) -> dict[str, Any]:
        if not sealed:
            return {}
        nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        try:
            found = orjson.loads(self._aead.decrypt(nonce, ciphertext, stream_id.bytes))
        except InvalidTag as exc:
            raise SecretsUnreadable("the stream's secrets do not open with this key") from exc
        assert isinstance(found, dict)
        return found
