"""How grave an entry's outcome is, decided once for every format: a refused call (401, 403)
weighs most, then a failed one, then one whose outcome is not known, then a success.

`Gravity` carries each format's number for it (OCSF `severity_id`, CEF severity, syslog
severity), so the formats agree and the mapping tables in the docs are this one declaration.
"""

from __future__ import annotations

from enum import Enum

from asgi_audit.summaries import REFUSED_STATUSES
from asgi_audit.types import JSONObject


class Gravity(Enum):
    """An outcome's weight: (name, OCSF severity_id, CEF severity 0 to 10, syslog severity)."""

    SUCCEEDED = ("succeeded", 1, 3, 6)
    """OCSF 1 Informational; CEF Low; syslog 6 Informational."""
    UNKNOWN = ("unknown", 2, 5, 5)
    """OCSF 2 Low; CEF Medium; syslog 5 Notice: the change may have been made."""
    FAILED = ("failed", 3, 6, 4)
    """OCSF 3 Medium; CEF Medium; syslog 4 Warning."""
    REFUSED = ("refused", 4, 8, 4)
    """OCSF 4 High; CEF High; syslog 4 Warning: someone tried what they may not do."""

    @property
    def ocsf_severity_id(self) -> int:
        return self.value[1]

    @property
    def cef_severity(self) -> int:
        return self.value[2]

    @property
    def syslog_severity(self) -> int:
        return self.value[3]


def gravity(entry: JSONObject) -> Gravity:
    """The gravity of an entry (`AuditEvent.to_dict()` form) from its outcome and status."""
    outcome, status = entry.get("outcome"), entry.get("status")
    if outcome == "succeeded":
        return Gravity.SUCCEEDED
    if outcome == "failed":
        return Gravity.REFUSED if status in REFUSED_STATUSES else Gravity.FAILED
    return Gravity.UNKNOWN
