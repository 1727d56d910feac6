"""`docs/streams.md` shows the formats and destinations as the code makes them: each sample block
(`<!-- sample: NAME -->` before a fenced block) is what the engine renders for one fixed entry.

After changing a format, rewrite the samples with `python -m tests.unit.test_streams_doc`.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson

from asgi_audit import Action, Actor, ActorType, AuditEvent, Body, Changes, Outcome, Resource
from asgi_audit.streams import Product, StreamEvent
from asgi_audit.streams.destinations import HecDestination
from asgi_audit.streams.destinations.rfc5424 import BOM, MessageWriter
from asgi_audit.streams.formats import StreamFormat, render

DOC = Path(__file__).parents[2] / "docs" / "streams.md"
BLOCK = re.compile(r"<!-- sample: (?P<name>[\w-]+) -->\n```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)
PRODUCT = Product(vendor="Haptap", name="Call Manager", version="1.0.0")
TENANT = uuid.UUID("0b6f3c9e-1d2a-4e5f-8a7b-9c0d1e2f3a4b")
GROUP = "5d1f6c2a-8b3e-4f7a-9c0d-2e4b6a8c0f13"


def sample_event() -> StreamEvent:
    """A Writer renaming a group: the entry every sample shows."""
    entry = AuditEvent(
        id=uuid.UUID("019ad3f1-5c2e-7a41-8d2e-4b6f0a9c1e27"),
        tenant_id=TENANT,
        occurred_at=datetime(2026, 11, 30, 9, 15, 2, 123456, tzinfo=UTC),
        actor=Actor(
            ActorType.USER,
            "7c9e2f4a-1b3d-4e5f-8a6b-0c2d4e6f8a1b",
            "alice@contoso.example",
            "Alice Example",
        ),
        source="Call Manager",
        action=Action.EDIT,
        method="PATCH",
        path=f"/api/v1/tenants/{TENANT}/groups/{GROUP}",
        route="/api/v1/tenants/{tenant_id}/groups/{group_id}",
        resource=Resource("group", GROUP, "Sales"),
        summary="Edited group 'Sales': name",
        outcome=Outcome.SUCCEEDED,
        status=200,
        duration_ms=12.4,
        request=Body("application/json", 22, is_json=True, json={"name": "Sales EMEA"}),
        response=Body(
            "application/json", 64, is_json=True, json={"id": GROUP, "name": "Sales EMEA"}
        ),
        client_ip="203.0.113.7",
        user_agent="Mozilla/5.0 (X11; Linux x86_64)",
        seq=41,
        changes=Changes("captured", ({"field": "name", "before": "Sales", "after": "Sales EMEA"},)),
    )
    return StreamEvent(entry.to_dict())


def samples() -> dict[str, str]:
    event = sample_event()
    pretty = orjson.OPT_INDENT_2
    syslog = MessageWriter(
        StreamFormat.CEF, PRODUCT, hostname="cm.example.net", app_name="callmanager"
    ).frame(event)
    hec = HecDestination(
        url="https://splunk.example.net:8088",
        token="<token>",
        fmt=StreamFormat.OCSF,
        product=PRODUCT,
        allow_private=False,
        host="cm.example.net",
    ).event_object(event)
    return {
        "native": orjson.dumps(render(event, StreamFormat.NATIVE, PRODUCT), option=pretty).decode(),
        "ocsf": orjson.dumps(render(event, StreamFormat.OCSF, PRODUCT), option=pretty).decode(),
        "cef": str(render(event, StreamFormat.CEF, PRODUCT)),
        "syslog": syslog.decode().replace(BOM.decode(), "<BOM>"),
        "hec": orjson.dumps(hec, option=pretty).decode(),
    }


def rewritten(text: str) -> str:
    made = samples()

    def block(match: re.Match[str]) -> str:
        name, lang = match["name"], match["lang"]
        return f"<!-- sample: {name} -->\n```{lang}\n{made[name]}\n```"

    return BLOCK.sub(block, text)


def test_every_sample_in_the_streams_doc_is_what_the_code_makes() -> None:
    text = DOC.read_text()
    names = [match["name"] for match in BLOCK.finditer(text)]
    assert sorted(names) == sorted(samples()), "each sample once"
    assert text == rewritten(text), "run `python -m tests.unit.test_streams_doc` to refresh"


if __name__ == "__main__":
    DOC.write_text(rewritten(DOC.read_text()))
