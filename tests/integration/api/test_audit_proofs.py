"""The audit log as a verifiable log over the API: keys, signed checkpoints, inclusion and
consistency proofs, leaves, and the export that verifies alone, checked with the RFC 9162 and
C2SP verifiers (on SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from asgi_audit.testing import make_event
from asgi_audit.tlog.merkle import leaf_hash, verify_consistency, verify_inclusion
from asgi_audit.tlog.note import Checkpoint, Verifier, open_note
from callmanager.auth.principal import Role
from callmanager.cli import main
from callmanager.services import Services
from tests.conftest import LoginAs
from tests.factories import LoggedIn


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def settle(services: Services, user: LoggedIn) -> None:
    """Commit the writer's pending entries and checkpoint the user's tenant now, as if the
    interval had passed (the writer's own thread then waits a whole interval again)."""
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    last = services.audit_store.checkpoint(user.tenant_id)
    since = datetime.now(UTC) if last is None else max(datetime.now(UTC), last.created_at)
    services.notary.checkpoint(since + timedelta(seconds=services.notary.interval + 1))


def make_groups(user: LoggedIn, count: int) -> None:
    for n in range(count):
        created = user.client.post(user.url("/groups"), json={"name": f"Group {uuid.uuid4().hex}"})
        assert created.status_code == 201, (n, created.text)


def opened(services: Services, note: str) -> Checkpoint:
    text, _ = open_note(note, services.notary.trusted)
    return Checkpoint.parse(text)


def modifications(user: LoggedIn) -> list[dict[str, Any]]:
    response = user.client.get(user.url("/audit-log"), params={"limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def export_lines(user: LoggedIn, **params: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    response = user.client.get(user.url("/audit-log/export"), params={"format": "jsonl", **params})
    assert response.status_code == 200, response.text
    *lines, last = [json.loads(line) for line in response.text.splitlines()]
    return lines, last


def test_the_keys_are_public_and_name_the_key_that_signs(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    services.notary.run_once()
    anonymous = owner.client.__class__(owner.client.app)
    response = anonymous.get("/api/v1/audit-log/keys")
    assert response.status_code == 200, response.text
    [key] = response.json()["keys"]
    signing = services.notary.signer.verifier
    assert key["verifier_key"] == signing.key
    assert Verifier.parse(key["verifier_key"]).public_key == _b64(key["public_key"])
    assert (key["name"], key["active"]) == (signing.name, True)
    assert key["created_at"] is not None


def test_the_latest_checkpoint_is_the_signed_note_of_the_tenants_tree(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    missing = owner.client.get(owner.url("/audit-log/checkpoint"))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"

    make_groups(owner, 3)
    settle(services, owner)
    response = owner.client.get(owner.url("/audit-log/checkpoint"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint = opened(services, response.text)
    assert checkpoint.origin.endswith(f"/tenants/{owner.tenant_id}/audit-log")
    assert checkpoint.size >= 3


def test_an_entrys_proof_verifies_against_its_signed_checkpoint(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 5)
    settle(services, writer)
    for item in modifications(writer):
        response = writer.client.get(writer.url(f"/audit-log/{item['id']}/proof"))
        assert response.status_code == 200, response.text
        proof = response.json()
        checkpoint = opened(services, proof["checkpoint"])
        assert (proof["entry_id"], proof["seq"]) == (item["id"], item["seq"])
        assert proof["tree_size"] == checkpoint.size
        leaf = _b64(proof["leaf"])
        path = [_b64(h) for h in proof["inclusion_path"]]
        assert verify_inclusion(
            proof["seq"], checkpoint.size, leaf_hash(leaf), path, checkpoint.root
        )
        whole = writer.client.get(writer.url(f"/audit-log/{item['id']}")).json()
        assert json.loads(leaf) == whole


def test_a_proof_in_an_older_checkpoint_verifies_against_that_one(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 2)
    settle(services, writer)
    first = opened(services, writer.client.get(writer.url("/audit-log/checkpoint")).text)
    make_groups(writer, 2)
    settle(services, writer)
    oldest = min(modifications(writer), key=lambda item: item["seq"])
    response = writer.client.get(
        writer.url(f"/audit-log/{oldest['id']}/proof"), params={"tree_size": first.size}
    )
    assert response.status_code == 200, response.text
    proof = response.json()
    path = [_b64(h) for h in proof["inclusion_path"]]
    leaf = leaf_hash(_b64(proof["leaf"]))
    assert proof["tree_size"] == first.size
    assert verify_inclusion(oldest["seq"], first.size, leaf, path, first.root)


def test_an_entry_no_checkpoint_covers_yet_is_a_conflict_to_retry(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 1)
    settle(services, writer)
    make_groups(writer, 1)
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    newest = max(modifications(writer), key=lambda item: item["seq"])
    response = writer.client.get(writer.url(f"/audit-log/{newest['id']}/proof"))
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "10"


def test_proofs_refuse_unknown_entries_and_sizes_never_checkpointed(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 3)
    settle(services, writer)
    newest = max(modifications(writer), key=lambda item: item["seq"])
    size = opened(services, writer.client.get(writer.url("/audit-log/checkpoint")).text).size
    cases = {
        (f"/audit-log/{uuid.uuid4()}/proof", None): 404,
        ("/audit-log/not-an-id/proof", None): 404,
        (f"/audit-log/{newest['id']}/proof", size + 5): 404,
        (f"/audit-log/{newest['id']}/proof", "x"): 422,
        (f"/audit-log/{newest['id']}/proof", 0): 422,
    }
    for (path, tree_size), status in cases.items():
        params = {} if tree_size is None else {"tree_size": tree_size}
        response = writer.client.get(writer.url(path), params=params)
        assert response.status_code == status, (path, tree_size, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_a_proof_in_a_tree_too_small_for_the_entry_is_refused(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 1)
    settle(services, writer)
    first = opened(services, writer.client.get(writer.url("/audit-log/checkpoint")).text)
    make_groups(writer, 1)
    settle(services, writer)
    newest = max(modifications(writer), key=lambda item: item["seq"])
    assert newest["seq"] >= first.size
    response = writer.client.get(
        writer.url(f"/audit-log/{newest['id']}/proof"), params={"tree_size": first.size}
    )
    assert response.status_code == 400, response.text
    assert response.json()["parameter"] == "tree_size"


def test_consecutive_checkpoints_are_proven_consistent(
    login_as: LoginAs, services: Services
) -> None:
    reader = login_as(Role.READER)
    writer = login_as(Role.WRITER)
    make_groups(writer, 3)
    settle(services, writer)
    old = opened(services, reader.client.get(reader.url("/audit-log/checkpoint")).text)
    make_groups(writer, 4)
    settle(services, writer)
    new = opened(services, reader.client.get(reader.url("/audit-log/checkpoint")).text)
    response = reader.client.get(
        reader.url("/audit-log/consistency"), params={"from": old.size, "to": new.size}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == (old.size, new.size)
    proof = [_b64(h) for h in body["proof"]]
    assert verify_consistency(old.size, new.size, old.root, new.root, proof)
    assert not verify_consistency(old.size, new.size, new.root, new.root, proof)

    for params, status in [
        ({"from": new.size, "to": old.size}, 400),
        ({"from": old.size + 1, "to": new.size}, 404),
        ({"from": old.size, "to": new.size + 1}, 404),
        ({"from": -1, "to": new.size}, 422),
        ({"to": new.size}, 422),
    ]:
        refused = reader.client.get(reader.url("/audit-log/consistency"), params=params)
        assert refused.status_code == status, (params, refused.text)


def test_the_checkpoint_history_pages_newest_first(login_as: LoginAs, services: Services) -> None:
    owner = login_as(Role.OWNER)
    for _ in range(3):
        make_groups(owner, 1)
        settle(services, owner)
    sizes: list[int] = []
    cursor = None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        response = owner.client.get(owner.url("/audit-log/checkpoints"), params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        for item in page["checkpoints"]:
            assert opened(services, item["note"]).size == item["size"]
            assert opened(services, item["note"]).root == _b64(item["root"])
            assert item["created_at"]
            sizes.append(item["size"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(sizes) >= 3
    assert sizes == sorted(sizes, reverse=True)
    for bad in ("abc", "-1", "0", "1" * 24):
        refused = owner.client.get(owner.url("/audit-log/checkpoints"), params={"cursor": bad})
        assert refused.status_code == 400, (bad, refused.text)
        assert refused.json()["parameter"] == "cursor"


def test_the_leaves_are_the_entries_canonical_bytes_in_order(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 4)
    settle(services, writer)
    size = opened(services, writer.client.get(writer.url("/audit-log/checkpoint")).text).size
    response = writer.client.get(writer.url("/audit-log/leaves"), params={"start": 0, "end": 10**6})
    assert response.status_code == 400
    response = writer.client.get(writer.url("/audit-log/leaves"), params={"end": size + 50})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["seq"] for line in lines] == list(range(size))
    for line in lines:
        whole = writer.client.get(writer.url(f"/audit-log/{line['entry_id']}")).json()
        assert (
            _b64(line["leaf"])
            == json.dumps(whole, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        )
    part = writer.client.get(writer.url("/audit-log/leaves"), params={"start": 1, "end": 3})
    assert [json.loads(line) for line in part.text.splitlines()] == lines[1:3]
    assert (
        writer.client.get(
            writer.url("/audit-log/leaves"), params={"start": 3, "end": 1}
        ).status_code
        == 400
    )


def test_the_export_verifies_alone_against_its_trailer(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 6)
    settle(services, writer)
    make_groups(writer, 1)  # after the checkpoint: exported, not yet provable
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    lines, last = export_lines(writer)
    assert last["range"] is None
    checkpoint = opened(services, last["checkpoint"])
    assert last["tree_size"] == checkpoint.size
    assert len(lines) == 7
    proven = 0
    for line in lines:
        leaf = _b64(line["leaf"])
        listed = {k: v for k, v in json.loads(leaf).items() if k not in ("request", "response")}
        assert {k: v for k, v in line.items() if k in listed} == listed
        if line["seq"] >= checkpoint.size:
            assert line["inclusion_path"] is None
            continue
        path = [_b64(h) for h in line["inclusion_path"]]
        assert verify_inclusion(
            line["seq"], checkpoint.size, leaf_hash(leaf), path, checkpoint.root
        )
        proven += 1
    assert proven == 6


def test_an_export_downloaded_from_the_api_passes_the_offline_verifier_until_a_line_changes(
    login_as: LoginAs, services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 5)
    settle(services, writer)
    response = writer.client.get(
        writer.url("/audit-log/export"), params={"format": "jsonl", "seq_start": 0}
    )
    assert response.status_code == 200, response.text
    export = tmp_path / "audit-log.jsonl"
    export.write_bytes(response.content)
    key = services.notary.signer.verifier.key
    assert main(["audit", "verify", "--offline", str(export), "--key", key]) == 0, (
        capsys.readouterr().out
    )
    export.write_text(response.text.replace("Group ", "Grope ", 1))
    assert main(["audit", "verify", "--offline", str(export), "--key", key]) == 1
    assert "seq" in capsys.readouterr().out


def test_an_export_of_a_seq_range_holds_every_leaf_of_it(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 5)
    settle(services, writer)
    lines, last = export_lines(writer, seq_start=1, seq_end=10**9)
    checkpoint = opened(services, last["checkpoint"])
    assert last["range"] == {"start": 1, "end": checkpoint.size}
    assert [line["seq"] for line in lines] == list(range(1, checkpoint.size))
    for line in lines:
        leaf = leaf_hash(_b64(line["leaf"]))
        path = [_b64(h) for h in line["inclusion_path"]]
        assert verify_inclusion(line["seq"], checkpoint.size, leaf, path, checkpoint.root)

    for params in (
        {"seq_start": 0, "action_type": "create"},
        {"seq_start": 0, "q": "Group"},
        {"seq_start": 3, "seq_end": 1},
        {"seq_start": 0, "format": "csv"},
    ):
        refused = writer.client.get(
            writer.url("/audit-log/export"), params={"format": "jsonl", **params}
        )
        assert refused.status_code == 400, (params, refused.text)


def test_an_export_before_any_checkpoint_ends_with_an_empty_trailer(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    lines, last = export_lines(writer, action_type="all")
    assert last == {"checkpoint": None, "tree_size": 0, "range": None}
    assert all(line["inclusion_path"] is None for line in lines)


def test_the_csv_export_names_each_entrys_seq(login_as: LoginAs, services: Services) -> None:
    writer = login_as(Role.WRITER)
    make_groups(writer, 2)
    settle(services, writer)
    response = writer.client.get(writer.url("/audit-log/export"), params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(int(row["seq"]) for row in rows) == sorted(
        i["seq"] for i in modifications(writer)
    )


def test_only_the_tenants_people_may_read_its_proofs(login_as: LoginAs, services: Services) -> None:
    owner = login_as(Role.OWNER)
    make_groups(owner, 1)
    settle(services, owner)
    [item] = modifications(owner)
    paths = [
        "/audit-log/checkpoint",
        "/audit-log/checkpoints",
        f"/audit-log/{item['id']}/proof",
        "/audit-log/leaves",
    ]
    setup = login_as(Role.TENANT_SETUP)
    anonymous = owner.client.__class__(owner.client.app)
    for path in paths:
        assert setup.client.get(setup.url(path)).status_code == 403, path
        assert anonymous.get(owner.url(path)).status_code == 401, path
        other = f"/api/v1/tenants/{uuid.uuid4()}{path}"
        assert owner.client.get(other).status_code == 404, path


def test_reading_the_proofs_is_audited_without_storing_the_answers(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    make_groups(owner, 1)
    settle(services, owner)
    [item] = modifications(owner)
    responses = {
        "Viewed the audit log's checkpoint": owner.client.get(owner.url("/audit-log/checkpoint")),
        f"Viewed the proof of audit log entry {item['id']}": owner.client.get(
            owner.url(f"/audit-log/{item['id']}/proof")
        ),
        "Read the audit log's leaves": owner.client.get(owner.url("/audit-log/leaves")),
    }
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    listed = owner.client.get(
        owner.url("/audit-log"), params={"action_type": "read", "resource_type": "audit_log"}
    ).json()["items"]
    by_summary = {e["summary"]: e for e in listed}
    for summary, response in responses.items():
        assert response.status_code == 200, response.text
        entry = owner.client.get(owner.url(f"/audit-log/{by_summary[summary]['id']}")).json()
        assert entry["response"] == {
            "content_type": response.headers["content-type"],
            "size": len(response.content),
            "truncated": False,
            "sha256": hashlib.sha256(response.content).hexdigest(),
        }, summary


def test_a_long_log_exported_by_range_verifies_leaf_by_leaf(
    login_as: LoginAs, services: Services
) -> None:
    """Hundreds of leaves: proofs fold stored nodes of the higher levels, fetched in chunks."""
    owner = login_as(Role.OWNER)
    now = datetime.now(UTC)
    events = [
        make_event(owner.tenant_id, occurred_at=now - timedelta(seconds=700 - n))
        for n in range(700)
    ]
    services.audit_store.write(events, [])
    settle(services, owner)
    lines, last = export_lines(owner, seq_start=0)
    checkpoint = opened(services, last["checkpoint"])
    assert checkpoint.size >= 700
    assert [line["seq"] for line in lines] == list(range(checkpoint.size))
    for line in lines:
        leaf = leaf_hash(_b64(line["leaf"]))
        path = [_b64(h) for h in line["inclusion_path"]]
        assert verify_inclusion(line["seq"], checkpoint.size, leaf, path, checkpoint.root)
    middle = lines[len(lines) // 2]
    proof = owner.client.get(owner.url(f"/audit-log/{middle['id']}/proof")).json()
    assert proof["inclusion_path"] == middle["inclusion_path"]
