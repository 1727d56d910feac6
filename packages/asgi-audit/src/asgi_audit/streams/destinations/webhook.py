"""The webhook destination: each batch one HTTPS POST of JSON, signed per Standard Webhooks.

The body is `{"type": "audit.entries", "timestamp": …, "data": {"tenant_id": …, "events": [...]}}`
with the events in the stream's format. `webhook-id` names the batch by its first and last entry
ids, so a batch sent again after a failure keeps its id and the receiver can drop the repeat.
Redirects are not followed (a receiver must not send us elsewhere), timeouts are bounded,
proxies from the environment are not used (the host checked is the host connected to), and the
URL is checked again before each batch, its host resolved off the event loop (a name that does
not resolve may later: a retryable failure).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
import orjson
from standardwebhooks import Webhook

from asgi_audit.streams.destinations.checks import checked_url
from asgi_audit.streams.formats import StreamFormat, render
from asgi_audit.streams.types import DeliveryError, NativeBatch, Product, StreamEvent

EVENT_TYPE = "audit.entries"
RETRYABLE_4XX = frozenset({408, 429})
"""Client errors worth trying again: a timeout and "too many requests"."""


def batch_id(batch: Sequence[StreamEvent]) -> str:
    """A stable id for a batch: the same entries give the same id, whenever sent."""
    first, last = batch[0].entry_id, batch[-1].entry_id
    return "msg_" + hashlib.sha256(f"{first}:{last}".encode()).hexdigest()[:32]


class WebhookDestination:
    """POSTs each batch to `url`, signed with the `whsec_` `secret`."""

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        fmt: StreamFormat,
        product: Product,
        allow_private: bool,
        timeout: float = 10.0,
    ) -> None:
        if fmt not in (StreamFormat.NATIVE, StreamFormat.OCSF):
            raise ValueError(f"a webhook carries JSON events, not {fmt.value}")
        self.url = url
        self.fmt = fmt
        self.product = product
        self.allow_private = allow_private
        Webhook(secret)  # refuses a secret it could not verify with
        # As the package decodes it: base64 after `whsec_`, padding optional.
        self._key = base64.b64decode(secret.removeprefix("whsec_") + "==")
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: the safety check sees the host
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"User-Agent": f"{product.name.replace(' ', '')}/{product.version} webhooks"},
        )

    def body(self, batch: Sequence[StreamEvent], now: datetime) -> bytes:
        tenant = batch[0].head.get("tenant_id") if batch else None
        events: list[object]
        if self.fmt is StreamFormat.NATIVE and isinstance(batch, NativeBatch):
            # Each stored text spliced whole, with no event object made for it (joining the
            # texts first copied the megabyte of a batch twice more: slower).
            events = [orjson.Fragment(text) for _seq, text in batch.rows]
        else:
            events = [render(event, self.fmt, self.product) for event in batch]
        payload = {
            "type": EVENT_TYPE,
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "data": {"tenant_id": tenant, "events": events},
        }
        return orjson.dumps(payload)

    def signature(self, msg_id: str, now: datetime, body: bytes) -> str:
        """Standard Webhooks' `v1` signature: HMAC-SHA256 of `id.timestamp.body`, as
        `Webhook.sign` makes it but over the body's bytes (no copy of a large body as text;
        the tests verify it with `standardwebhooks`)."""
        mac = hmac.new(self._key, f"{msg_id}.{int(now.timestamp())}.".encode(), hashlib.sha256)
        mac.update(body)
        return "v1," + base64.b64encode(mac.digest()).decode()

    async def send(self, batch: Sequence[StreamEvent]) -> str:
        if not batch:
            return "nothing to send"
        await checked_url(self.url, allow_private=self.allow_private)
        now = datetime.now(UTC)
        body = self.body(batch, now)
        msg_id = batch_id(batch)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self.signature(msg_id, now, body),
        }
        try:
            response = await self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}"[:300] or "no answer") from exc
        answer = f"{response.status_code} {response.reason_phrase}".strip()
        if 200 <= response.status_code < 300:
            return answer
        excerpt = f"{answer}: {response.text[:240]}" if response.text else answer
        retryable = response.status_code >= 500 or response.status_code in RETRYABLE_4XX
        if 300 <= response.status_code < 400:
            retryable = False  # a redirect is not followed: the URL must be fixed
        raise DeliveryError(excerpt, status=response.status_code, retryable=retryable)

    async def aclose(self) -> None:
        await self._client.aclose()
