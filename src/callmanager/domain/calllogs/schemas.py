"""The values a call log row takes, and the call log as the API returns it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallType(StrEnum):
    """How the PSTN connectivity of the call's number is provided."""

    CALLING_PLAN = "calling_plan"
    OPERATOR_CONNECT = "operator_connect"
    DIRECT_ROUTING = "direct_routing"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


class CallResult(StrEnum):
    ANSWERED = "answered"
    MISSED = "missed"
    VOICEMAIL = "voicemail"
    BUSY = "busy"
    FAILED = "failed"


class CallLogRead(BaseModel):
    """One PSTN call; `duration_s` is the connected time (0 when nobody answered)."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: uuid.UUID
    started_at: datetime
    direction: Direction
    from_number: str
    to_number: str
    user_name: str
    user_principal_name: str
    duration_s: int
    call_type: CallType
    result: CallResult


class CallLogPage(BaseModel):
    """One page, newest first; pass `next_cursor` back as `cursor` for the next (older) page."""

    model_config = ConfigDict(frozen=True)

    items: list[CallLogRead]
    next_cursor: str | None
    start: datetime
    end: datetime
