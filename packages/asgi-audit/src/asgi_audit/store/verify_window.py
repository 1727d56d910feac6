"""One window of a tenant's log checked where its rows are read: every entry's leaf recomputed
and compared with the leaf stored at its place, answered compactly.

The online verifier hands windows of places to worker processes (or checks them itself). A
worker reads the window's leaves and entries, recomputes each entry's leaf hash from its
canonical bytes (documents spliced unparsed, `EntryRows.splicer`; parsed and written again
when that does not give the stored leaf), and answers with:

- the hashes the tree takes at the window's places, one 32-byte run (`Window.hashes`): what
  the verifier folds into the tree, without one Python object per entry crossing processes;
- only the places where leaf and entries disagree (`Window.irregular`), with what each side
  holds, for the verifier to name (altered, missing, inserted, reordered, pruned);
- the entries claiming places beyond the tree (`Window.beyond`).

The rows are read in chunks (`CHUNK`): each is hashed while it is still in the CPU's caches.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    LargeBinary,
    Select,
    Text,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.types import NullType

from asgi_audit.store.leaf_text import composed
from asgi_audit.store.tables import c, entries, leaves
from asgi_audit.store.verify_rows import EntryRows

Side = tuple[Any, bytes]
"""One side of a place: an entry id as text (`_Reader`), and a leaf hash (stored for a
leaf, recomputed for an entry)."""
Irregular = tuple[int, Side | None, list[Side]]
"""A place whose leaf and entries disagree: its seq, its leaf (None if none), its entries."""

CHUNK = 256
"""Rows fetched and hashed at a time."""
HASH_SIZE = 32

_READERS: dict[str, _Reader] = {}


class _Reader:
    """The window's two queries on one database. Ids come as text on both (hex digits on
    SQLite, the uuid's text on PostgreSQL), where the driver would make a `uuid.UUID` of each
    on PostgreSQL (about a microsecond each, twice an entry); only the verifier compares them,
    and names an entry by `uuid.UUID(text)`."""

    def __init__(self, dialect: str) -> None:
        self.rows = EntryRows(dialect)
        columns = list(self.rows.columns)
        entry_id, leaf_id = columns[self.rows.key_at], type_coerce(leaves.c.entry_id, NullType())
        if dialect == "postgresql":
            entry_id = type_coerce(cast(entries.c.id, Text), NullType())
            leaf_id = type_coerce(cast(leaves.c.entry_id, Text), NullType())
        columns[self.rows.key_at] = entry_id
        self.entries = select(*columns).select_from(entries)
        self.dialect = dialect
        self.entry_id = entry_id
        self.hashed = dialect == "postgresql"
        """Whether the database hashes the bytes it composes too (PostgreSQL's `sha256`):
        then 32 bytes an entry come back rather than the entry's whole text."""
        self.leaves = select(leaves.c.seq, leaf_id, type_coerce(leaves.c.hash, NullType()))

    def composed(self, tenant_id: str) -> Select[Any]:
        """Each entry's seq, id and canonical bytes as the database composes them, or on
        PostgreSQL their leaf hash."""
        data = composed(self.dialect, tenant_id)
        if self.hashed:
            leaf = literal(b"\x00", LargeBinary).op("||")(func.convert_to(data, "UTF8"))
            data = type_coerce(func.sha256(leaf), NullType())
        return select(c.seq, self.entry_id, data).select_from(entries)

    @classmethod
    def of(cls, dialect: str) -> _Reader:
        return _READERS.get(dialect) or _READERS.setdefault(dialect, cls(dialect))


@dataclass(slots=True)
class Window:
    """What checking the places [lo, lo + len(hashes) // 32) found."""

    lo: int
    hashes: bytes
    """The hash the tree takes at each place, in order; zeros at irregular places."""
    irregular: list[Irregular] = field(default_factory=list)
    beyond: list[tuple[Any, int]] = field(default_factory=list)
    """Entries at places at or beyond the tree's size: (entry id, seq)."""


def check_window(conn: Connection, tenant: uuid.UUID, lo: int, hi: int, top: int) -> Window:
    """Check the places [lo, hi) of the tenant's log, whose tree has `top` leaves: first as
    the database composes each entry's bytes (`_composed`), which settles a window whose every
    place holds its leaf's entry unchanged; any other window is read again field by field and
    each place sorted out (`_hash_entries`)."""
    reader = _Reader.of(conn.dialect.name)
    end = max(lo, min(hi, top))
    with conn.execute(
        reader.leaves.where(
            leaves.c.tenant_id == tenant, leaves.c.seq >= lo, leaves.c.seq < hi
        ).order_by(leaves.c.seq)
    ) as result:
        leaf_rows = result.cursor.fetchall()
    hashes = _composed(conn, reader, tenant, (lo, hi, end), leaf_rows)
    if hashes is not None:
        return Window(lo, hashes)
    stored: dict[int, Side] = {seq: (key, digest) for seq, key, digest in leaf_rows}
    out = bytearray(HASH_SIZE * (end - lo))
    claims, clean = _hash_entries(conn, reader, tenant, (lo, hi, end), stored, out)
    irregular: list[Irregular] = []
    if clean < end - lo or len(claims) != clean:
        found: dict[int, list[Side]] = {}
        for seq, side in claims:
            found.setdefault(seq, []).append(side)
        for seq in range(lo, end):
            leaf = stored.get(seq)
            here = found.get(seq, [])
            if leaf is None or len(here) != 1 or here[0] != leaf:
                irregular.append((seq, leaf, here))
    beyond = [(key, seq) for seq, (key, _) in claims if seq >= end]
    return Window(lo, bytes(out), irregular, beyond)


def _composed(
    conn: Connection,
    reader: _Reader,
    tenant: uuid.UUID,
    places: tuple[int, int, int],
    leaf_rows: Sequence[Any],
) -> bytes | None:
    """The window's leaf hashes if each place in [lo, end) holds exactly its leaf's entry, whose
    bytes (as the database composes them, or else as Python does: `_recomposed`) hash to that
    leaf, and no entry claims a place in [end, hi); else None (the window is then checked
    field by field, which names what is wrong). Per entry only its hash is computed in
    Python; the comparisons are of whole runs."""
    lo, hi, end = places
    keys: list[Any] = []
    digests: list[bytes] = []
    if [row[0] for row in leaf_rows] != list(range(lo, end)):
        return None
    sha256, leaf_prefix = hashlib.sha256, b"\x00"
    hashed = reader.hashed
    result = conn.execute(
        reader.composed(str(tenant))
        .where(c.tenant_id == tenant, c.seq >= lo, c.seq < hi)
        .order_by(c.seq)
    )
    with result:
        cursor, at = result.cursor, lo
        while chunk := cursor.fetchmany(CHUNK):
            chunk_seqs, chunk_keys, texts = zip(*chunk, strict=True)
            if chunk_seqs != tuple(range(at, at + len(chunk))) or at + len(chunk) > end:
                return None
            at += len(chunk)
            keys += chunk_keys
            if hashed:
                digests += texts
            else:
                digests += [sha256(leaf_prefix + text).digest() for text in texts]
    if at != end or keys != [row[1] for row in leaf_rows]:
        return None
    hashes, expected = b"".join(digests), b"".join(row[2] for row in leaf_rows)
    if hashes != expected:
        hashes = _recomposed(conn, reader, tenant, lo, hashes, expected)
    return hashes if hashes == expected else None


def _recomposed(
    conn: Connection, reader: _Reader, tenant: uuid.UUID, lo: int, hashes: bytes, expected: bytes
) -> bytes:
    """`hashes` with each place whose composed bytes missed its leaf hashed again from the
    entry composed in Python (spliced, else parsed and written again): a value the database
    quotes or formats unlike orjson costs a read of its entry, not the window's."""
    missed = [
        lo + at // HASH_SIZE
        for at in range(0, len(hashes), HASH_SIZE)
        if hashes[at : at + HASH_SIZE] != expected[at : at + HASH_SIZE]
    ]
    seq_at, hashed = reader.rows.seq_at, reader.rows.leaf_hasher(tenant)
    out = bytearray(hashes)
    for start in range(0, len(missed), CHUNK):
        places = missed[start : start + CHUNK]
        query = reader.entries.where(c.tenant_id == tenant, c.seq.in_(places))
        with conn.execute(query) as result:
            for row in result.cursor.fetchall():
                at = HASH_SIZE * (row[seq_at] - lo)
                out[at : at + HASH_SIZE] = hashed(row, expected[at : at + HASH_SIZE])
    return bytes(out)


def _hash_entries(
    conn: Connection,
    reader: _Reader,
    tenant: uuid.UUID,
    places: tuple[int, int, int],
    stored: dict[int, Side],
    out: bytearray,
) -> tuple[list[tuple[int, Side]], int]:
    """Every entry claiming a place in [lo, hi), as its seq, its id and its recomputed leaf
    hash (spliced when that gives the leaf stored at its place, else parsed and written
    again); and how many places in [lo, end) hold exactly their leaf's entry, whose hashes
    are written into `out`."""
    lo, hi, end = places
    rows = reader.rows
    hashed, get_leaf = rows.leaf_hasher(tenant), stored.get
    seq_at, key_at = rows.seq_at, rows.key_at
    claims: list[tuple[int, Side]] = []
    clean, previous = 0, None
    result = conn.execute(
        reader.entries.where(c.tenant_id == tenant, c.seq >= lo, c.seq < hi).order_by(c.seq)
    )
    with result:
        cursor = result.cursor
        while chunk := cursor.fetchmany(CHUNK):
            for row in chunk:
                seq, key = row[seq_at], row[key_at]
                leaf = get_leaf(seq)
                digest = hashed(row, None if leaf is None else leaf[1])
                if leaf == (key, digest) and seq != previous and seq < end:
                    at = HASH_SIZE * (seq - lo)
                    out[at : at + HASH_SIZE] = digest
                    clean += 1
                claims.append((seq, (key, digest)))
                previous = seq
    return claims, clean
