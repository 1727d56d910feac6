"""Entries read for a log stream: each row as the JSON object the API writes for it
(`AuditEvent.to_dict()`, keys in its order), straight from the lean columns of `EntryRows`.

A stream that sends entries unchanged need not parse their bodies only to write them again:
with `raw_documents` each body is an `orjson.Fragment` of its stored text (its canonical JSON,
keys sorted), which `orjson.dumps` copies as it is: the API's JSON, a body's keys sorted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import orjson

from asgi_audit.events import ENTRY
from asgi_audit.record import Kind
from asgi_audit.store.listing import KNOWN
from asgi_audit.store.verify_rows import EntryRows
from asgi_audit.types import JSONObject


class StreamRows:
    """Builds, from one row of `EntryRows.columns`, the entry's JSON object in the API's key
    order: a template of the top-level keys is copied (so each key keeps its place), then
    filled group by group in one C call each."""

    def __init__(self, rows: EntryRows) -> None:
        self.columns = rows.columns
        top: JSONObject = {}
        for f in ENTRY.fields:
            top.setdefault(f.path.partition(".")[0], None)
        self.template = top
        # The row's layout is `EntryRows`': one column per field it reads, in the record's order.
        self.documents: list[tuple[str, int]] = []
        flat: dict[str, list[tuple[str, int]]] = {}
        at = 0
        for f in ENTRY.fields:
            if f.column in KNOWN:
                continue
            if f.kind is Kind.DOCUMENT:
                self.documents.append((f.path, at))
            else:
                head, _, tail = f.path.partition(".")
                flat.setdefault(head if tail else "", []).append((tail or head, at))
            at += 1
        self.groups = [
            (head, tuple(k for k, _ in pairs), itemgetter(*(at for _, at in pairs)))
            for head, pairs in flat.items()
        ]
        self.omitted = {f.path for f in ENTRY.omitted}
        """Paths the JSON form leaves out while null (`Field.omit_null`)."""

    def builder(
        self, tenant_id: uuid.UUID, *, raw_documents: bool = False
    ) -> Callable[[Sequence[Any]], JSONObject]:
        template, groups, omitted = self.template, self.groups, self.omitted
        tenant = str(tenant_id)
        read: Callable[[str], Any] = orjson.Fragment if raw_documents else orjson.loads
        documents = [(name, at, name in omitted) for name, at in self.documents]
        names = {name for name, _ in self.documents}
        scalars = [tuple(p.split(".", 1)) for p in omitted if p not in names]

        def build(row: Sequence[Any]) -> JSONObject:
            out: JSONObject = template.copy()
            out["tenant_id"] = tenant
            for head, keys, get in groups:
                values = zip(keys, get(row), strict=True)
                if head:
                    out[head] = dict(values)
                else:
                    out.update(values)
            for name, at, omit in documents:
                text = row[at]
                # A body written absent is stored as SQL NULL or as the JSON text `null`.
                if text is None or text == "null":
                    if omit:
                        del out[name]
                    else:
                        out[name] = None
                else:
                    out[name] = read(text)
            for path in scalars:
                inner = out[path[0]] if len(path) > 1 else out
                if isinstance(inner, dict) and inner.get(path[-1], 0) is None:
                    del inner[path[-1]]
            return out

        return build
