"""Where a stream's batches go; each destination is a `Destination` (see `streams.types`)."""

from asgi_audit.streams.destinations.webhook import WebhookDestination

__all__ = ["WebhookDestination"]
