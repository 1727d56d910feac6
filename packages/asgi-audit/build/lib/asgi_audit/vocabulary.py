"""The words a user interface shows for the log's filters and fields, declared once here and
served by the host's API, so no page restates them (the host adds its own resource types)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from asgi_audit.events import ENTRY, Action, ActorType
from asgi_audit.query import ActionType
from asgi_audit.record import Record
from asgi_audit.types import JSON, JSONObject

ACTION_TYPES = {
    ActionType.MODIFICATIONS: (
        "Modifications (create, edit, delete)",
        "modification",
        "modifications",
    ),
    ActionType.ALL: ("All (including reads)", "entry", "entries"),
    ActionType.CREATE: ("Create", "create", "creates"),
    ActionType.EDIT: ("Edit", "edit", "edits"),
    ActionType.DELETE: ("Delete", "delete", "deletes"),
    ActionType.READ: ("Read", "read", "reads"),
}
"""The Action Type filter: each choice's label and the nouns counting its entries (one, many)."""

ACTIONS: dict[str, str] = {
    Action.CREATE: "Create",
    Action.EDIT: "Edit",
    Action.DELETE: "Delete",
    Action.READ: "Read",
}

ACTOR_TYPES: dict[str, str] = {
    ActorType.USER: "User",
    ActorType.SYSTEM: "System",
    ActorType.ANONYMOUS: "Unauthenticated",
}
"""The built-in kinds of caller; a host labels the kinds it registers."""

STATUSES = {
    "": "Any result",
    "2xx": "Succeeded (2xx)",
    "4xx": "Refused (4xx)",
    "5xx": "Server errors (5xx)",
}
"""The status filter's choices (see `parse_query`)."""


@dataclass(frozen=True)
class Vocabulary:
    """Everything a log's UI names, with the host's resource types (value → plural label)."""

    resource_types: Mapping[str, str] = field(default_factory=dict)
    actor_types: Mapping[str, str] = field(default_factory=dict)
    """Labels of the kinds of caller the host registered (`ActorType.register`)."""
    record: Record[Any] = ENTRY

    def to_json(self) -> JSONObject:
        action_types: list[JSON] = [
            {"value": t.value, "label": label, "nouns": [one, many]}
            for t, (label, one, many) in ACTION_TYPES.items()
        ]
        fields: list[JSON] = [
            {"path": f.path, "kind": f.kind.value, "listed": f.listed} for f in self.record.fields
        ]
        return {
            "action_types": action_types,
            "actions": _choices(ACTIONS),
            "actor_types": _choices({**ACTOR_TYPES, **self.actor_types}),
            "statuses": _choices(STATUSES),
            "resource_types": _choices(self.resource_types),
            "fields": fields,
        }


def _choices(labels: Mapping[str, str]) -> list[JSON]:
    return [{"value": str(value), "label": label} for value, label in labels.items()]
