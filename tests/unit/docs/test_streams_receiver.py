"""docs/streams.md's webhook receiver example, run as written against requests signed by the
`standardwebhooks` package: it accepts what is signed, refuses what is not, skips duplicates
and reports gaps."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

DOC = Path(__file__).resolve().parents[3] / "docs" / "streams.md"
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TENANT = str(uuid.uuid4())


@pytest.fixture(scope="module")
def example() -> ModuleType:
    """The one Python block of the receiving section, as a module."""
    section = DOC.read_text().split("## Receiving", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1
    module = ModuleType("streams_receiver_example")
    exec(compile(blocks[0], str(DOC), "exec"), module.__dict__)  # noqa: S102 - our own docs
    return module


def signed(
    seqs: list[int], *, test: bool = False, secret: str = SECRET
) -> tuple[bytes, dict[str, str]]:
    """A batch as Call Manager sends it, signed by the library (not by our code)."""
    events: list[dict[str, Any]] = [
        {"id": str(uuid.uuid4()), "seq": seq, "tenant_id": TENANT} for seq in seqs
    ]
    if test:
        events = [{"id": str(uuid.uuid4()), "seq": None, "tenant_id": TENANT, "test": True}]
    body = json.dumps(
        {
            "type": "audit.entries",
            "timestamp": datetime.now(UTC).isoformat(),
            "data": {"tenant_id": TENANT, "events": events},
        }
    )
    msg_id, now = f"msg_{uuid.uuid4().hex}", datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, now, body)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


def test_the_example_accepts_signed_batches_skips_duplicates_and_reports_a_gap(
    example: ModuleType,
) -> None:
    webhook, log = Webhook(SECRET), example.Log()
    for seqs in ([0, 1, 2], [1, 2, 3], [6, 7]):
        assert example.handle(webhook, log, *signed(seqs)) == 204
    assert log.highest == {TENANT: 7}
    assert log.gaps == [(TENANT, 4, 5)]


def test_the_example_ignores_a_test_event(example: ModuleType) -> None:
    webhook, log = Webhook(SECRET), example.Log()
    assert example.handle(webhook, log, *signed([], test=True)) == 204
    assert log.highest == {}


def test_the_example_refuses_a_batch_signed_with_another_secret(example: ModuleType) -> None:
    webhook, log = Webhook(SECRET), example.Log()
    other = "whsec_" + "c2VjcmV0LW9mLXNvbWVvbmUtZWxzZQ=="
    assert example.handle(webhook, log, *signed([0], secret=other)) == 401
    body, headers = signed([0])
    assert example.handle(webhook, log, body.replace(b'"seq": 0', b'"seq": 9'), headers) == 401
    assert log.highest == {}
