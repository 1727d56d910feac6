"""The log's formats judged from outside: what the API serves — the published verifier key,
signed checkpoints, inclusion and consistency proofs, the leaves and the verifiable export — is
handed, as served, to `tests/judges/tlog_judge`, a Go program built on Go's reference
implementations (`golang.org/x/mod/sumdb/note`: `note.NewVerifier`, `note.Open`;
`golang.org/x/mod/sumdb/tlog`: `RecordHash`, `CheckRecord`, `CheckTree`, `StoredHashes`,
`TreeHash`), on SQLite and PostgreSQL.

What the judge checks: each signature with the key string as published, the C2SP checkpoint
body (origin, size without leading zeros, a 32-byte base64 root), each leaf's record hash and its
inclusion path in RFC 9162 order, each consistency proof between two signed checkpoints, and each
checkpoint's root recomputed from all the leaves. What it does not: that the leaf bytes are the
entry's canonical JSON, or that an export line's fields equal its leaf (Call Manager's own
formats, checked by `test_audit_proofs.py` and `audit verify --offline`). `tlog.ParseTree`
reads only the Go checksum database's origin, so the judge parses the checkpoint body itself.

The judge is built once per session; the tests skip without `go` or the library (Debian's
`golang-go`, `golang-golang-x-mod-dev`) unless CALLMANAGER_REQUIRE_GO_JUDGE is set."""

from __future__ import annotations

import base64
import itertools
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from asgi_audit import Body
from asgi_audit.store.tables import c, entries
from asgi_audit.testing import make_event
from asgi_audit.tlog.note import Signer
from callmanager.app import create_app
from callmanager.auth.principal import Role
from callmanager.services import Services
from callmanager.settings import Settings
from tests.conftest import LoginAs, make_settings
from tests.databases import migrated_database
from tests.factories import LoggedIn, log_in, make_tenant, make_user
from tests.go_judge import GoJudge
from tests.integration.audit.signed_log import rebuild_tree, without_guards

ORIGIN_HOST = "audit.judge.example"
SIZES = (1, 2, 7, 8, 9, 1030)
"""Checkpoints at one and two leaves, around a power of two, and past 1024."""
SMALL = (1, 2, 7, 8, 9)
LONG_EDGES = (0, 1, 7, 8, 511, 512, 1022, 1023, 1024, 1029)
"""Leaves of the long tree proven one by one: the ends and both sides of each power of two."""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A known origin; the writer's thread checkpoints no more than hourly, the tests do it."""
    return make_settings(
        database_url,
        tmp_path,
        audit_origin=ORIGIN_HOST,
        audit_checkpoint_interval_s=3600,
    )


def origin(tenant: uuid.UUID) -> str:
    return f"{ORIGIN_HOST}/tenants/{tenant}/audit-log"


@dataclass
class ServedLog:
    """A tenant's log grown to checkpoints of chosen sizes, and what the API serves of it,
    saved as files for the judge."""

    services: Services
    reader: LoggedIn
    files: Path
    sizes: list[int] = field(default_factory=list)
    entry_ids: dict[int, str] = field(default_factory=dict)
    start: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(hours=2))

    @property
    def tenant(self) -> uuid.UUID:
        return self.reader.tenant_id

    def grow(self, sizes: Sequence[int]) -> None:
        """Write entries straight to the store and sign a checkpoint at each of `sizes`."""
        store = self.services.audit_store
        written = self.stored_size()
        for size in sizes:
            assert size > written, (size, written)
            store.write([self.event(n) for n in range(written, size)], [])
            written = size
            last = store.checkpoint(self.tenant)
            now = datetime.now(UTC) if last is None else max(datetime.now(UTC), last.created_at)
            self.services.notary.checkpoint(
                now + timedelta(seconds=self.services.notary.interval + 1)
            )
            signed = store.checkpoint(self.tenant)
            assert signed is not None
            assert signed.size == size, "an entry came between the write and the checkpoint"
            self.sizes.append(size)

    def grow_by(self, count: int) -> int:
        """Grow the log by `count` entries past what it holds now, checkpointed; its size."""
        size = self.stored_size() + count
        self.grow([size])
        return size

    def stored_size(self) -> int:
        """The log's size, once the audited reads so far are written."""
        assert self.services.audit_writer is not None
        self.services.audit_writer.flush_blocking(timeout=5)
        head = self.services.audit_store.log_head(self.tenant)
        return 0 if head is None else head.seq + 1

    def occurred_at(self, n: int) -> datetime:
        """When entry `n` occurred: a second apart, the first two hours ago."""
        return self.start + timedelta(seconds=n)

    def event(self, n: int) -> Any:
        body = Body(
            "application/json",
            60,
            is_json=True,
            json={"name": f"Grüße {n} \u2014 \U0001f680", "n": n, "big": 2**63 + n, "f": n / 7},
        )
        return make_event(
            self.tenant,
            occurred_at=self.occurred_at(n),
            summary=f"Created group 'Grüße {n}'",
            request=body,
        )

    # -- what the API serves, as files ----------------------------------------------------------

    def get(self, path: str, **params: Any) -> Any:
        response = self.reader.client.get(self.reader.url(path), params=params)
        assert response.status_code == 200, (path, params, response.text)
        return response

    def save(self, name: str, content: str | bytes) -> Path:
        path = self.files / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def keys(self) -> Path:
        anonymous = TestClient(self.reader.client.app)
        response = anonymous.get("/api/v1/audit-log/keys")
        assert response.status_code == 200, response.text
        return self.save("keys.json", response.content)

    def verifier_key(self) -> str:
        [key] = json.loads(self.keys().read_text())["keys"]
        verifier_key: str = key["verifier_key"]
        return verifier_key

    def checkpoint_pages(self) -> Path:
        """Every page of the checkpoint history, one JSON document after another."""
        pages, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = self.get("/audit-log/checkpoints", **params)
            pages.append(page.content)
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return self.save("checkpoints.json", b"\n".join(pages))

    def notes(self) -> dict[int, str]:
        """The signed checkpoints by size, as the history serves them."""
        notes = {}
        for raw in self.checkpoint_pages().read_text().splitlines():
            for item in json.loads(raw)["checkpoints"]:
                notes[item["size"]] = item["note"]
        return notes

    def note_file(self, size: int) -> Path:
        return self.save(f"checkpoint-{size}.txt", self.notes()[size])

    def leaves(self, end: int) -> Path:
        response = self.get("/audit-log/leaves", start=0, end=end)
        for line in response.text.splitlines():
            item = json.loads(line)
            self.entry_ids[item["seq"]] = item["entry_id"]
        return self.save(f"leaves-{end}.jsonl", response.content)

    def proofs(self, cases: Sequence[tuple[int, int]], name: str = "proofs.json") -> Path:
        """The proofs of (seq, tree size) pairs, as served, one JSON document each."""
        if len(self.entry_ids) < max(seq for seq, _ in cases) + 1:
            self.leaves(max(self.sizes))
        served = [
            self.get(f"/audit-log/{self.entry_ids[seq]}/proof", tree_size=size).content
            for seq, size in cases
        ]
        return self.save(name, b"\n".join(served))

    def consistency(self, pairs: Sequence[tuple[int, int]]) -> Path:
        served = [
            self.get("/audit-log/consistency", **{"from": first, "to": second}).content
            for first, second in pairs
        ]
        return self.save("consistency.json", b"\n".join(served))

    def export(self, name: str, **params: Any) -> Path:
        response = self.get("/audit-log/export", format="jsonl", **params)
        return self.save(name, response.content)


@pytest.fixture
def served_log(login_as: LoginAs, services: Services, tmp_path: Path) -> ServedLog:
    reader = login_as(Role.READER)
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    files = tmp_path / "served"
    files.mkdir()
    return ServedLog(services, reader, files)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def long_log(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedLog]:
    """One log grown to every size of SIZES per database, shared by the tests that only read it
    (their reads, audited, append to it; the checkpoints stay those of SIZES)."""
    directory = tmp_path_factory.mktemp("long-log")
    with migrated_database(request.param, directory) as url:
        settings = make_settings(
            url, directory, audit_origin=ORIGIN_HOST, audit_checkpoint_interval_s=3600
        )
        app = create_app(settings)
        with TestClient(app):  # runs the app's lifespan: the writer and its notary
            services: Services = app.state.services
            tenant = make_tenant(services, "Contoso")
            email = "reader-judged@contoso.example"
            user = make_user(services, tenant, email, Role.READER)
            client = TestClient(app)
            log_in(client, email)
            assert services.audit_writer is not None
            services.audit_writer.flush_blocking(timeout=5)
            files = directory / "served"
            files.mkdir()
            log = ServedLog(services, LoggedIn(client, tenant, user, email), files)
            log.grow(SIZES)
            yield log


@pytest.fixture
def small_log(served_log: ServedLog) -> ServedLog:
    served_log.grow(SMALL)
    return served_log


# -- what the judge accepts ---------------------------------------------------------------------


def test_the_go_judge_opens_every_checkpoint_with_the_verifier_key_as_published(
    go_judge: GoJudge, long_log: ServedLog
) -> None:
    keys = long_log.keys()
    notes = long_log.notes()
    assert set(SIZES) <= set(notes)
    files = [long_log.save(f"checkpoint-{size}.txt", note) for size, note in notes.items()]
    latest = long_log.save("latest.txt", long_log.get("/audit-log/checkpoint").content)
    printed = go_judge.accepts(
        "checkpoint", "-keys", keys, "-origin", origin(long_log.tenant), *files, latest
    )
    for size in SIZES:
        assert f"size {size}," in printed
    go_judge.accepts("checkpoint", "-key", long_log.verifier_key(), latest)


def test_the_go_judge_checks_the_served_inclusion_proof_of_every_leaf_of_small_trees(
    go_judge: GoJudge, long_log: ServedLog
) -> None:
    cases = [(seq, size) for size in SMALL for seq in range(size)]
    proofs = long_log.proofs(cases)
    printed = go_judge.accepts(
        "proof", "-keys", long_log.keys(), "-origin", origin(long_log.tenant), proofs
    )
    assert sum(line.startswith("ok proof") for line in printed.splitlines()) == len(cases)


def test_the_go_judge_checks_the_served_proofs_of_the_edges_of_a_tree_past_1024_leaves(
    go_judge: GoJudge, long_log: ServedLog
) -> None:
    size = SIZES[-1]
    proofs = long_log.proofs([(seq, size) for seq in LONG_EDGES])
    printed = go_judge.accepts("proof", "-keys", long_log.keys(), proofs)
    for seq in LONG_EDGES:
        assert f"at seq {seq} is in the tree of size {size}" in printed


def test_the_go_judge_checks_the_served_consistency_proof_between_every_pair_of_checkpoints(
    go_judge: GoJudge, long_log: ServedLog
) -> None:
    pairs = [*itertools.combinations(SIZES, 2), *((size, size) for size in SIZES)]
    proofs = long_log.consistency(pairs)
    printed = go_judge.accepts(
        "consistency", "-keys", long_log.keys(), "-checkpoints", long_log.checkpoint_pages(), proofs
    )
    for first, second in pairs:
        assert f"the tree of size {second} extends the one of size {first}\n" in printed


def test_the_go_judge_rebuilds_each_checkpoints_root_from_the_served_leaves(
    go_judge: GoJudge, long_log: ServedLog
) -> None:
    leaves = long_log.leaves(SIZES[-1])
    keys = long_log.keys()
    for size in SIZES:
        printed = go_judge.accepts(
            "leaves", "-keys", keys, "-checkpoint", long_log.note_file(size), leaves
        )
        assert f"{size} leaves make the checkpoint's root" in printed


def test_the_go_judge_checks_every_line_of_the_verifiable_export_whole_and_by_seq_range(
    go_judge: GoJudge, long_log: ServedLog
) -> None:
    keys = long_log.keys()
    whole = long_log.export("whole.jsonl")
    printed = go_judge.accepts("export", "-keys", keys, "-origin", origin(long_log.tenant), whole)
    assert f"in the tree of size {SIZES[-1]}" in printed
    by_range = long_log.export("range.jsonl", seq_start=5, seq_end=600)
    printed = go_judge.accepts("export", "-keys", keys, by_range)
    assert "595 lines in the tree" in printed


def test_the_go_judge_accepts_the_places_retention_pruned_by_their_leaf_hashes(
    go_judge: GoJudge, small_log: ServedLog
) -> None:
    """Retention removed the first five entries: their places keep only their leaf hashes,
    which must still make the signed roots and be included where they stand."""
    mark = small_log.occurred_at(5) - timedelta(milliseconds=500)
    pruned = small_log.services.audit_store.prune(small_log.tenant, mark)
    assert pruned.entries == 5
    keys = small_log.keys()
    leaves = small_log.leaves(9)
    hash_only = [json.loads(line) for line in leaves.read_text().splitlines()][:6]
    assert [line["leaf"] is None for line in hash_only] == [True] * 5 + [False]
    for size in SMALL:
        go_judge.accepts("leaves", "-keys", keys, "-checkpoint", small_log.note_file(size), leaves)
    export = small_log.export("pruned.jsonl", seq_start=0)
    printed = go_judge.accepts("export", "-keys", keys, export)
    assert "9 lines in the tree of size 9" in printed


# -- what the judge refuses ---------------------------------------------------------------------


def test_the_go_judge_refuses_a_tampered_checkpoint_and_one_under_another_key(
    go_judge: GoJudge, small_log: ServedLog
) -> None:
    keys = small_log.keys()
    note = small_log.notes()[9]
    go_judge.accepts("checkpoint", "-keys", keys, small_log.save("good.txt", note))
    grown = small_log.save("grown.txt", note.replace("\n9\n", "\n10\n", 1))
    assert "invalid signature" in go_judge.rejects("checkpoint", "-keys", keys, grown)
    other = Signer.generate(ORIGIN_HOST).verifier.key
    good = small_log.save("again.txt", note)
    assert "no verifiable signatures" in go_judge.rejects("checkpoint", "-key", other, good)
    moved = go_judge.rejects("checkpoint", "-keys", keys, "-origin", origin(uuid.uuid4()), good)
    assert "origin" in moved


def test_the_go_judge_refuses_a_proof_for_the_wrong_leaf_a_flipped_hash_or_a_cut_path(
    go_judge: GoJudge, small_log: ServedLog
) -> None:
    keys = small_log.keys()
    good = json.loads(small_log.proofs([(5, 9)]).read_text())
    neighbour = json.loads(small_log.proofs([(6, 9)], name="neighbour.json").read_text())

    def flipped(encoded: str) -> str:
        raw = bytearray(base64.b64decode(encoded))
        raw[0] ^= 1
        return base64.b64encode(bytes(raw)).decode()

    path = good["inclusion_path"]
    tampered = {
        "another leaf": {**good, "leaf": neighbour["leaf"]},
        "another seq": {**good, "seq": 6},
        "a flipped path hash": {**good, "inclusion_path": [path[0], flipped(path[1]), *path[2:]]},
        "a flipped leaf byte": {**good, "leaf": flipped(good["leaf"])},
        "a cut path": {**good, "inclusion_path": path[:-1]},
        "a longer path": {**good, "inclusion_path": [*path, path[0]]},
        "another tree's checkpoint": {**good, "checkpoint": small_log.notes()[8]},
    }
    for what, proof in tampered.items():
        file = small_log.save("tampered.json", json.dumps(proof))
        reason = go_judge.rejects("proof", "-keys", keys, file)
        assert "proof" in reason, (what, reason)


def test_the_go_judge_refuses_consistency_with_a_history_rewritten_and_re_signed(
    go_judge: GoJudge, small_log: ServedLog
) -> None:
    """Someone holding the database and the key rewrites entry 3, rebuilds the tree tables and
    signs the rewritten tree; the tenant kept the checkpoint of size 8 from before."""
    keys = small_log.keys()
    kept = small_log.note_file(8)
    with small_log.services.audit_store.engine.begin() as conn:
        without_guards(conn)
        conn.execute(
            update(entries)
            .where(c.tenant_id == small_log.tenant, c.seq == 3)
            .values(summary="Created group 'Nothing to see'")
        )
        rebuild_tree(conn, small_log.tenant)
        assert conn.execute(select(c.summary).where(c.tenant_id == small_log.tenant, c.seq == 3))
    size = small_log.grow_by(3)
    served = small_log.consistency([(8, size)])
    today = small_log.note_file(size)
    reason = go_judge.rejects(
        "consistency", "-keys", keys, "-checkpoints", kept, "-checkpoints", today, served
    )
    assert "tlog.CheckTree" in reason
    go_judge.rejects(
        "consistency", "-keys", keys, "-checkpoints", small_log.checkpoint_pages(), served
    )


def test_the_go_judge_refuses_leaves_and_an_export_that_differ_from_the_signed_tree(
    go_judge: GoJudge, small_log: ServedLog
) -> None:
    keys = small_log.keys()
    leaves = small_log.leaves(9).read_text().splitlines()
    checkpoint = small_log.note_file(9)
    line = json.loads(leaves[4])
    line["leaf"] = base64.b64encode(base64.b64decode(line["leaf"]).replace(b"4", b"5")).decode()
    changed = small_log.save(
        "changed.jsonl", "\n".join([*leaves[:4], json.dumps(line), *leaves[5:]])
    )
    assert "root" in go_judge.rejects("leaves", "-keys", keys, "-checkpoint", checkpoint, changed)
    swapped = small_log.save("swapped.jsonl", "\n".join([leaves[1], leaves[0], *leaves[2:]]))
    go_judge.rejects("leaves", "-keys", keys, "-checkpoint", checkpoint, swapped)

    export = small_log.export("range.jsonl", seq_start=0).read_text().splitlines()
    missing = small_log.save("missing.jsonl", "\n".join([*export[:3], *export[4:]]))
    assert "seq 3 of the range" in go_judge.rejects("export", "-keys", keys, missing)
    item = json.loads(export[2])
    item["leaf"] = json.loads(export[3])["leaf"]
    moved = small_log.save("moved.jsonl", "\n".join([*export[:2], json.dumps(item), *export[3:]]))
    assert "tlog.CheckRecord" in go_judge.rejects("export", "-keys", keys, moved)
