"""The Splunk HTTP Event Collector destination: a batch is one POST to
`<url>/services/collector/event` with `Authorization: Splunk <token>`, its body the events'
JSON objects one after another, each `{"time", "host", "source", "sourcetype", ["index"],
"fields", "event"}`.

A 2xx means Splunk accepted the batch. A 4xx other than 408 and 429 (a bad token, a disabled
input, data it refuses) will not get better by retrying; a 5xx, 408, 429, a timeout or a broken
connection may. Redirects are not followed, timeouts are bounded, and proxies from the
environment are not used (the outbound safety check must see the host actually connected to).
Splunk's HEC serves a self-signed certificate by default: `ca_pem` pins the CA that issued the
receiver's certificate (then only that CA is trusted), as the syslog destination's option does.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from asgi_audit.streams.destinations.checks import checked_url
from asgi_audit.streams.destinations.syslog import tls_context
from asgi_audit.streams.formats import StreamFormat, render
from asgi_audit.streams.formats.reading import epoch_ms, text
from asgi_audit.streams.types import DeliveryError, Product, StreamEvent
from asgi_audit.types import JSONObject

EVENT_PATH = "/services/collector/event"
MAX_DETAIL = 1000
"""How much of a refusal's body the error keeps."""
RETRYABLE = frozenset({408, 429})
"""The 4xx statuses that mean "later", not "never"."""


class HecDestination:
    """A Splunk HEC endpoint (Splunk Enterprise or Cloud, or anything that speaks it)."""

    def __init__(
        self,
        *,
        url: str,
        token: str,
        fmt: StreamFormat,
        product: Product,
        allow_private: bool,
        host: str | None = None,
        source: str = "callmanager",
        sourcetype: str = "callmanager:audit",
        index: str | None = None,
        ca_pem: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = event_url(url)
        # Made now, so a CA that is not PEM is refused when the stream is configured.
        self._verify: ssl.SSLContext | bool = tls_context(ca_pem, None, None) if ca_pem else True
        self.fmt = fmt
        self.product = product
        self.allow_private = allow_private
        self._metadata: JSONObject = {
            "host": host or socket.gethostname(),
            "source": source,
            "sourcetype": sourcetype,
        }
        if index:
            self._metadata["index"] = index
        self._headers = {"Authorization": f"Splunk {token}", "Content-Type": "application/json"}
        self._timeout = httpx.Timeout(timeout)
        self._client: httpx.AsyncClient | None = None

    def body(self, batch: Sequence[StreamEvent]) -> bytes:
        """The request body: each event's object, one per line (HEC reads them concatenated)."""
        return b"\n".join(orjson.dumps(self.event_object(event)) for event in batch)

    def event_object(self, event: StreamEvent) -> dict[str, Any]:
        """One HEC event: a JSON object, but for a native entry's JSON text (an
        `orjson.Fragment`) spliced in as `event`."""
        head = event.head
        fields: JSONObject = {"entry_id": event.entry_id}
        if event.seq is not None:  # a test event has no place in the log
            fields["seq"] = str(event.seq)
        if (tenant := text(head, "tenant_id")) is not None:
            fields["tenant_id"] = tenant
        return {
            "time": epoch_ms(head) / 1000,
            **self._metadata,
            "fields": fields,
            "event": render(event, self.fmt, self.product),
        }

    async def send(self, batch: Sequence[StreamEvent]) -> str:
        """POST `batch`; returns Splunk's answer once it accepted it."""
        await checked_url(self.url, allow_private=self.allow_private)
        try:
            response = await self._http().post(
                self.url, content=self.body(batch), headers=self._headers
            )
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"{self._where} timed out") from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{self._where} could not be reached: {exc}") from exc
        answer = f"{response.status_code} {response.reason_phrase}"
        if response.is_success:
            return answer
        status = response.status_code
        detail = response.text.strip()[:MAX_DETAIL]
        if response.is_redirect:
            detail = f"redirected to {response.headers.get('location', '?')} (not followed)"
        raise DeliveryError(
            f"{answer}: {detail}" if detail else answer,
            status=status,
            retryable=status >= 500 or status in RETRYABLE,
        )

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, follow_redirects=False, trust_env=False, verify=self._verify
            )
        return self._client

    @property
    def _where(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


def event_url(url: str) -> str:
    """The collector's event endpoint under `url` (a base URL, or the endpoint itself)."""
    base = url.rstrip("/")
    return base if base.endswith(EVENT_PATH) else base + EVENT_PATH
