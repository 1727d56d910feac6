"""C2SP signed notes with Ed25519, and C2SP tlog checkpoints as their text.

A note is its text (non-empty lines, each ending in a newline), a blank line, then one line per
signature: `— <key name> base64(key id ‖ signature)`. The key id is the first four bytes of
SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key), 0x01 naming Ed25519. Keys are written as the Go
`sumdb/note` package writes them:

- verifier key: `<name>+<key id, 8 hex digits>+<base64(0x01 ‖ 32-byte public key)>`
- signer key:   `PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ 32-byte private seed)>`

A checkpoint's text is `<origin>\\n<tree size>\\n<base64 root hash>\\n` (C2SP tlog-checkpoint).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
DASH = "\u2014"
SIGNER_PREFIX = "PRIVATE+KEY+"
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A key or note that is malformed, or a note that no trusted key signed."""


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def _valid_name(name: str) -> bool:
    return bool(name) and not any(ch.isspace() or ch == "+" for ch in name)


def _check_name(name: str) -> None:
    if not _valid_name(name):
        raise NoteError("a key name is non-empty, without spaces or '+'")


def _key_parts(text: str, what: str) -> tuple[str, str, bytes]:
    """`<name>+<key id>+<base64(0x01 ‖ 32 bytes)>` as name, key id and the 32 bytes. Only the
    first two '+' split: base64 may hold '+', names and ids may not."""
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"a {what} is <name>+<key id>+<base64 key>")
    name, hint, encoded = parts
    _check_name(name)
    data = _b64decode(encoded)
    if len(data) != 33 or data[0] != ED25519:
        raise NoteError(f"only Ed25519 {what}s (0x01 and 32 bytes) are supported")
    return name, hint, data[1:]


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("not standard base64") from exc


@dataclass(frozen=True, slots=True)
class Verifier:
    """A trusted public key: checks the signatures made under its name."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def key(self) -> str:
        """The verifier key string."""
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        name, hint, key = _key_parts(text.strip(), "verifier key")
        verifier = cls(name, key)
        if hint != verifier.key_id.hex():
            raise NoteError("the verifier key's id does not match its name and key")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True, slots=True)
class Signer:
    """An Ed25519 private key with its note name."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> Signer:
        _check_name(name)
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        return cls(name, seed)

    @classmethod
    def parse(cls, text: str) -> Signer:
        text = text.strip()
        if not text.startswith(SIGNER_PREFIX):
            raise NoteError("a signer key starts with PRIVATE+KEY+")
        name, hint, seed = _key_parts(text[len(SIGNER_PREFIX) :], "signer key")
        signer = cls(name, seed)
        if hint != signer.verifier.key_id.hex():
            raise NoteError("the signer key's id does not match its name and key")
        return signer

    @property
    def key(self) -> str:
        """The signer key string (a secret)."""
        encoded = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"{SIGNER_PREFIX}{self.name}+{self.verifier.key_id.hex()}+{encoded}"

    @property
    def verifier(self) -> Verifier:
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, public)

    def sign(self, text: str) -> str:
        """The signed note of `text` (which ends with a newline)."""
        check_text(text)
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        signature = private.sign(text.encode())
        verifier = self.verifier
        encoded = base64.b64encode(verifier.key_id + signature).decode()
        return f"{text}\n{DASH} {self.name} {encoded}\n"

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r})"


def check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise NoteError("a note's text is non-empty lines, each ending with a newline")
    _check_characters(text)


def _check_characters(note: str) -> None:
    """C2SP signed-note: no ASCII control character but the newline, anywhere in the note."""
    if any(ch < " " and ch != "\n" for ch in note):
        raise NoteError("a note holds no control character other than newline")


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


def split(note: str) -> tuple[str, list[Signature]]:
    """A note's text and its signature lines (unverified)."""
    _check_characters(note)
    text, sep, signed = note.rpartition("\n\n")
    if not sep or not signed.endswith("\n"):
        raise NoteError("a signed note is text, a blank line, then signature lines")
    text += "\n"
    check_text(text)
    signatures: list[Signature] = []
    for line in signed[:-1].split("\n"):
        prefix = DASH + " "
        if not line.startswith(prefix):
            raise NoteError("a signature line starts with an em dash and a space")
        name, _, encoded = line[len(prefix) :].partition(" ")
        data = _b64decode(encoded)
        if not _valid_name(name) or len(data) < 5:
            raise NoteError("a signature line is '— <name> <base64 key id and signature>'")
        signatures.append(Signature(name, data[:4], data[4:]))
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    return text, signatures


def open_note(note: str, trusted: list[Verifier]) -> tuple[str, Verifier]:
    """The text of a note and the trusted key that signed it; NoteError if none did."""
    text, signatures = split(note)
    message = text.encode()
    known = {(verifier.name, verifier.key_id): verifier for verifier in trusted}
    signed_by: list[Verifier] = []
    for signature in signatures:
        verifier = known.pop((signature.name, signature.key_id), None)
        if verifier is None:
            continue  # an unknown key's, or a trusted key's again: ignored, as Go's note does
        if not verifier.verify(message, signature.signature):
            raise NoteError(f"the signature of {verifier.name} does not verify")
        signed_by.append(verifier)
    if not signed_by:
        raise NoteError("no trusted key signed this note")
    return text, signed_by[0]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head as a checkpoint's text says it."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint is origin, size and root hash lines")
        origin, size, root = lines[0], lines[1], lines[2]
        decimal = size.isascii() and size.isdigit() and (size == "0" or size[0] != "0")
        if not origin or not decimal:
            raise NoteError("a checkpoint's size is a decimal number without leading zeros")
        digest = _b64decode(root)
        if len(digest) != 32:
            raise NoteError("a checkpoint's root hash is 32 bytes")
        return cls(origin, int(size), digest)
