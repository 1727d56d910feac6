"""Where a stream's batches go; each destination knows its protocol and nothing of the host."""

from asgi_audit.streams.destinations.hec import HecDestination
from asgi_audit.streams.destinations.syslog import SyslogDestination
from asgi_audit.streams.destinations.webhook import WebhookDestination

__all__ = ["HecDestination", "SyslogDestination", "WebhookDestination"]
