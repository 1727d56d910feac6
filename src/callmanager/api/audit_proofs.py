"""The tenant's audit log as a verifiable log: signing keys, signed checkpoints, inclusion and
consistency proofs (RFC 9162) and the raw leaves, in the formats independent tools read."""

from __future__ import annotations

import math
import uuid
from collections.abc import Generator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Response

from asgi_audit import canonical_bytes
from asgi_audit.export import Chunks, b64
from asgi_audit.record import format_instant
from asgi_audit.store.port import Leaf, StoredCheckpoint
from callmanager.api.audit_log import json_response
from callmanager.api.audit_schemas import (
    CHECKPOINT_RESPONSE,
    LEAVES_MEDIA_TYPE,
    LEAVES_RESPONSE,
    CheckpointPageOut,
    ConsistencyOut,
    InclusionProofOut,
    SigningKeysOut,
)
from callmanager.api.deps import AuditReader, ServicesDep
from callmanager.api.one_hop import OneHopRoute
from callmanager.api.streaming import PrefetchingStreamingResponse
from callmanager.errors import BadQuery, Conflict, NotFound
from callmanager.services import Services

MAX_LEAVES = 10_000
"""The most leaves one `…/audit-log/leaves` call returns; a longer range is refused (400)."""
MAX_SIZE = 2**62
"""Above any tree size or sequence number the store can hold."""
DEFAULT_CHECKPOINTS = 20
MAX_CHECKPOINTS = 100
LEAF_BATCH = 1_000

keys_router = APIRouter(tags=["audit log"], route_class=OneHopRoute)
router = APIRouter(
    prefix="/tenants/{tenant_id}/audit-log", tags=["audit log"], route_class=OneHopRoute
)

Size = Annotated[int, Query(ge=0, le=MAX_SIZE)]


@keys_router.get(
    "/audit-log/keys",
    summary="The keys that sign the audit logs' checkpoints",
    responses={200: {"model": SigningKeysOut}},
)
def audit_signing_keys(services: ServicesDep) -> Response:
    """Every trusted key (no authentication needed): its signed-note verifier key string, the
    base64 raw Ed25519 key, whether it signs new checkpoints, and when it first did."""
    dates = services.audit_store.key_dates()
    signing = services.notary.signer.verifier
    unique = {v.key: v for v in services.notary.trusted}
    keys = [
        {
            "name": v.name,
            "verifier_key": v.key,
            "public_key": b64(v.public_key),
            "active": v == signing,
            "created_at": format_instant(dates[v.key]) if v.key in dates else None,
        }
        for v in unique.values()
    ]
    return json_response({"keys": keys})


@router.get(
    "/checkpoint",
    summary="The latest signed checkpoint",
    response_class=Response,
    responses=CHECKPOINT_RESPONSE,
)
def latest_checkpoint(access: AuditReader, services: ServicesDep) -> Response:
    """The C2SP signed note of the tenant's latest checkpoint, exactly as signed; 404 while
    the tenant's log has none."""
    checkpoint = services.audit_store.checkpoint(access.tenant_id)
    if checkpoint is None:
        raise NotFound("The audit log has no checkpoint yet.")
    return Response(checkpoint.note, media_type="text/plain; charset=utf-8")


@router.get(
    "/checkpoints",
    summary="The signed checkpoints, newest first",
    responses={200: {"model": CheckpointPageOut}},
)
def checkpoint_history(
    access: AuditReader,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=MAX_CHECKPOINTS)] = DEFAULT_CHECKPOINTS,
    cursor: Annotated[
        str | None, Query(max_length=24, description="next_cursor of the previous page")
    ] = None,
) -> Response:
    """`{"checkpoints": [...], "next_cursor": ...}`: each checkpoint's size, root, signed note
    and creation time, largest first; `next_cursor` (the last size) fetches the older ones."""
    below = _cursor(cursor)
    found = services.audit_store.checkpoints(access.tenant_id, below, limit + 1)
    page = found[:limit]
    more = len(found) > limit
    return json_response(
        {
            "checkpoints": [_checkpoint(c) for c in page],
            "next_cursor": str(page[-1].size) if more else None,
        }
    )


def _cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isascii() or not cursor.isdigit() or not 0 < int(cursor) <= MAX_SIZE:
        raise BadQuery("`cursor` is not a next_cursor this API gave.", parameter="cursor")
    return int(cursor)


def _checkpoint(c: StoredCheckpoint) -> dict[str, Any]:
    return {
        "size": c.size,
        "root": b64(c.root),
        "note": c.note,
        "created_at": format_instant(c.created_at),
    }


@router.get(
    "/consistency",
    summary="Proof that an older checkpoint's tree is a prefix of a newer one",
    responses={200: {"model": ConsistencyOut}},
)
def consistency(
    access: AuditReader,
    services: ServicesDep,
    old: Annotated[int, Query(alias="from", ge=0, le=MAX_SIZE)],
    new: Annotated[int, Query(alias="to", ge=0, le=MAX_SIZE)],
) -> Response:
    """`{"from", "to", "proof"}`: the RFC 9162 consistency proof between two checkpointed
    sizes, base64 hashes."""
    if old > new:
        raise BadQuery("`from` is larger than `to`.", parameter="from")
    for name, size in (("from", old), ("to", new)):
        _checkpointed(services, access.tenant_id, size, name)
    proof = services.audit_store.consistency_proof(access.tenant_id, old, new)
    return json_response({"from": old, "to": new, "proof": [b64(h) for h in proof]})


@router.get(
    "/leaves",
    summary="The log's leaves, in order",
    response_class=PrefetchingStreamingResponse,
    status_code=200,  # FastAPI cannot read it from this response class
    responses=LEAVES_RESPONSE,
)
def log_leaves(
    access: AuditReader,
    services: ServicesDep,
    start: Size = 0,
    end: Annotated[int | None, Query(ge=0, le=MAX_SIZE)] = None,
) -> PrefetchingStreamingResponse:
    """JSON Lines, one per leaf `start` ≤ seq < `end` (default `start` + 10 000, clamped to
    the latest checkpoint's size): `{"seq", "entry_id", "leaf"}`, `leaf` the base64 leaf bytes;
    a leaf whose entry is gone has `"leaf": null`, its `hash`, and `"pruned": true` when
    retention removed it (false: the entry is missing). At most 10 000 leaves a call
    (`MAX_LEAVES`); a longer range is a 400."""
    end = start + MAX_LEAVES if end is None else end
    if start > end:
        raise BadQuery("`start` is after `end`.", parameter="start")
    if end - start > MAX_LEAVES:
        raise BadQuery(f"At most {MAX_LEAVES} leaves a call.", parameter="end")
    latest = services.audit_store.checkpoint(access.tenant_id)
    end = min(end, 0 if latest is None else latest.size)
    chunks = _leaf_chunks(services, access.tenant_id, start, end)
    return PrefetchingStreamingResponse(chunks, media_type=LEAVES_MEDIA_TYPE)


def _leaf_chunks(services: Services, tenant_id: uuid.UUID, start: int, end: int) -> Chunks:
    if start >= end:
        yield b""
        return
    batches: Generator[list[Leaf], None, None] = services.audit_store.leaves(
        tenant_id, start, end, LEAF_BATCH
    )
    try:
        for batch in batches:
            yield b"".join(orjson.dumps(_leaf(leaf)) + b"\n" for leaf in batch)
    finally:
        batches.close()


def _leaf(leaf: Leaf) -> dict[str, Any]:
    if leaf.entry is None:
        return {
            "seq": leaf.seq,
            "entry_id": str(leaf.entry_id),
            "hash": b64(leaf.hash),
            "leaf": None,
            "pruned": leaf.pruned,
        }
    return {
        "seq": leaf.seq,
        "entry_id": str(leaf.entry_id),
        "leaf": b64(canonical_bytes(leaf.entry)),
    }


@router.get(
    "/{entry_id}/proof",
    summary="Proof that an entry is in a signed checkpoint",
    responses={200: {"model": InclusionProofOut}},
)
def inclusion(
    entry_id: str,
    access: AuditReader,
    services: ServicesDep,
    tree_size: Annotated[
        int | None, Query(ge=1, le=MAX_SIZE, description="a checkpointed size; default the latest")
    ] = None,
) -> Response:
    """`{"entry_id", "seq", "leaf", "tree_size", "inclusion_path", "checkpoint"}`: the entry's
    leaf bytes (base64) and its RFC 9162 audit path (base64, leaf side first) in the tree of the
    signed `checkpoint`. 409 with `Retry-After` while no checkpoint covers the entry yet."""
    entry = services.audit_log.get(access.tenant_id, entry_id)
    if entry is None:
        raise NotFound("No such audit log entry.")
    if tree_size is None:
        checkpoint = services.audit_store.checkpoint(access.tenant_id)
    else:
        checkpoint = _checkpointed(services, access.tenant_id, tree_size, "tree_size")
    covered = checkpoint is not None and entry.seq is not None and entry.seq < checkpoint.size
    if (not covered and tree_size is None) or entry.seq is None:
        retry = math.ceil(services.settings.audit_checkpoint_interval_s)
        raise Conflict("No checkpoint covers this entry yet.", retry_after=retry)
    if not covered or checkpoint is None:
        raise BadQuery(f"The entry is not in the tree of size {tree_size}.", parameter="tree_size")
    path = services.audit_store.inclusion_proof(access.tenant_id, entry.seq, checkpoint.size)
    return json_response(
        {
            "entry_id": str(entry.id),
            "seq": entry.seq,
            "leaf": b64(canonical_bytes(entry)),
            "tree_size": checkpoint.size,
            "inclusion_path": [b64(h) for h in path],
            "checkpoint": checkpoint.note,
        }
    )


def _checkpointed(
    services: Services, tenant_id: uuid.UUID, size: int, name: str
) -> StoredCheckpoint:
    checkpoint = services.audit_store.checkpoint(tenant_id, size)
    if checkpoint is None:
        raise NotFound(f"The audit log has no checkpoint of size {size} (`{name}`).")
    return checkpoint
