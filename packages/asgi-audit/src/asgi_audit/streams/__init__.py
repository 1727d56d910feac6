"""Log streams: an audit log's entries delivered, in `seq` order, to a tenant's SIEM.

The engine's part is what any host needs: the event a stream carries (`StreamEvent`; a batch of
them as the store wrote their JSON, `NativeBatch`), the formats it is rendered in (`formats`),
the destinations it is sent to (`destinations`), and the outbound safety rules every destination
obeys (`safety`). Where streams are configured and who may change them is the host's business.
"""

from asgi_audit.streams.safety import UnsafeDestination, check_host, check_url
from asgi_audit.streams.types import (
    DeliveryError,
    Destination,
    NativeBatch,
    Product,
    StreamEvent,
)

__all__ = [
    "DeliveryError",
    "Destination",
    "NativeBatch",
    "Product",
    "StreamEvent",
    "UnsafeDestination",
    "check_host",
    "check_url",
]
