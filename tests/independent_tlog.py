"""A second, independent reading of the log's formats, for the tests: written from RFC 9162
(sections 2.1.1, 2.1.3.2, 2.1.4.2) and the C2SP `signed-note` and `tlog-checkpoint` texts alone,
with hashlib and `cryptography`'s Ed25519; it imports nothing of `asgi_audit`.

Every function raises `Rejected` on anything it does not accept.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ALG_ED25519 = 1


class Rejected(Exception):
    """The input does not verify."""


# -- C2SP signed-note ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_hash: bytes
    public_key: bytes


def parse_verifier_key(vkey: str) -> VerifierKey:
    """`<name>+<hex key hash>+<base64 of alg byte and key>`; the hash must be the key's."""
    name, sep1, rest = vkey.partition("+")
    hash_hex, sep2, encoded = rest.partition("+")
    if not (sep1 and sep2 and name) or len(hash_hex) != 8:
        raise Rejected("malformed verifier key")
    raw = base64.b64decode(encoded, validate=True)
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise Rejected("not an Ed25519 verifier key")
    key_hash = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if key_hash.hex() != hash_hex:
        raise Rejected("the key hash does not match")
    return VerifierKey(name, key_hash, raw[1:])


def open_signed_note(note: str, vkey: str) -> str:
    """The note's text, if a signature line by `vkey` verifies over it."""
    key = parse_verifier_key(vkey)
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise Rejected("no signature block")
    text = note[: cut + 1]
    for line in note[cut + 2 : -1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Rejected("a signature line must start with an em dash")
        name, _, encoded = line[2:].rpartition(" ")
        blob = base64.b64decode(encoded, validate=True)
        if name != key.name or blob[:4] != key.key_hash:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(blob[4:], text.encode())
        except InvalidSignature as exc:
            raise Rejected("the signature does not verify") from exc
        return text
    raise Rejected("not signed by this key")


# -- C2SP tlog-checkpoint ------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeHead:
    origin: str
    size: int
    root: bytes


def parse_checkpoint(text: str) -> TreeHead:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not lines[0]:
        raise Rejected("a checkpoint is origin, size, root hash, then extension lines")
    size = lines[1]
    if not size.isdecimal() or (len(size) > 1 and size[0] == "0"):
        raise Rejected("the tree size is a decimal without leading zeros")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise Rejected("the root hash is a SHA-256 digest")
    return TreeHead(lines[0], int(size), root)


# -- RFC 9162 ------------------------------------------------------------------------------------


def hash_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) (section 2.1.1), from the leaves' hashes."""
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.sha256().digest()
    if n == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hash_children(mth(leaf_hashes[:k]), mth(leaf_hashes[k:]))


def check_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> None:
    """Section 2.1.3.2, step by step."""
    if index >= size:
        raise Rejected("leaf index outside the tree")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise Rejected("path too long")
        if fn % 2 == 1 or fn == sn:
            r = hash_children(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise Rejected("the path does not lead to the root")


def check_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Section 2.1.4.2, step by step."""
    if first > second:
        raise Rejected("the first tree is larger")
    if first == second:
        if proof or first_root != second_root:
            raise Rejected("equal sizes need equal roots and no proof")
        return
    if first == 0:
        if proof:
            raise Rejected("nothing to prove from the empty tree")
        return
    if not proof:
        raise Rejected("empty proof")
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Rejected("proof too long")
        if fn % 2 == 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise Rejected("the proof does not join the two roots")
