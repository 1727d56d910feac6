"""Summaries that say what happened: the host words what a call does ("Created group 'Sales'"),
and the engine words its outcome around that — refused, failed, or not known.

- succeeded: the sentence as the host wrote it: `Created group 'Sales'`;
- refused (401, 403): `Tried to create group 'Sales' — refused (403: Readers may not do this)`;
- failed (any other error): `Failed to edit call flow 'London' (409: The version is stale)`;
- unknown (no outcome stored yet, or ever): `Outcome unknown: the change may have been made —
  create group 'Sales'`.

A refused or failed entry's summary therefore never starts with a verb of success. The verb the
host's sentence starts with is put back in the infinitive from `INFINITIVES`; a sentence that
starts with another word is quoted whole (`Tried to do 'Synced phones' — refused (…)`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from asgi_audit.changes import changed_fields
from asgi_audit.events import Action, Changes, Outcome, Resource
from asgi_audit.types import JSON

MAX_SUMMARY = 500
MAX_DETAIL = 200

INFINITIVES = {
    "Accepted": "accept",
    "Added": "add",
    "Called": "call",
    "Changed": "change",
    "Created": "create",
    "Deleted": "delete",
    "Edited": "edit",
    "Exported": "export",
    "Invited": "invite",
    "Listed": "list",
    "Read": "read",
    "Removed": "remove",
    "Replaced": "replace",
    "Revoked": "revoke",
    "Pruned": "prune",
    "Ran": "run",
    "Started": "start",
    "Updated": "update",
    "Viewed": "view",
}
"""Past-tense verbs a summary may start with, and their infinitives."""

REFUSED_STATUSES = frozenset({401, 403})


@dataclass(frozen=True, slots=True)
class SummaryInput:
    """What a summary sentence may draw on: the request (known before the handler runs) and,
    once the outcome is stored, the status, the error's detail and the changes made."""

    action: Action
    method: str
    resource: Resource
    """With the resource's `name` when known (before the change, or from a create's body)."""
    params: Mapping[str, str]
    body: JSON
    """The redacted JSON request body, or None."""
    outcome: Outcome = Outcome.SUCCEEDED
    status: int | None = None
    detail: str | None = None
    """An error response's problem `detail` (else its `title`), for the outcome's words."""
    changes: Changes | None = None
    """What a successful edit changed, when the resource's earlier state was known."""
    response: JSON = None
    """A successful response's redacted JSON body, once the outcome is stored (None before,
    and for failures): for a sentence only the answer can complete, e.g. how many."""


Summarize = Callable[[SummaryInput], str]
"""Words what a call does as a sentence of success, e.g. `Created group 'Example New Group'`;
the engine words the outcome around it (`outcome_summary`)."""

UNKNOWN_ROUTE = "Called a path the API does not have"
"""The summary of a request no rule matched (typically a 404)."""

_VERBS = {Action.CREATE: "Created", Action.EDIT: "Edited", Action.DELETE: "Deleted"}
_NAME_FIELDS = ("email", "name", "title")


def default_summary(entry: SummaryInput) -> str:
    """`Created group 'Sales'`, `Edited group 'Sales': name`, `Deleted group 0b6f…`,
    `Viewed group list`."""
    if entry.resource.type is None:
        return UNKNOWN_ROUTE
    label = entry.resource.type.replace("_", " ").replace("-", " ")
    name = entry.resource.name or name_in(entry.body)
    if entry.action is Action.READ:
        target = f"'{name}'" if entry.resource.name else entry.resource.id
        return f"Viewed {label} {target}" if target else f"Viewed {label} list"
    verb = _VERBS[entry.action]
    target = f"'{name}'" if name else entry.resource.id
    sentence = " ".join(filter(None, (verb, label, target)))
    return with_changes(sentence, entry.changes)


def name_in(body: JSON) -> str | None:
    """What a JSON object is called: its `email` (a person is known by it), `name` or
    `title`."""
    if isinstance(body, dict):
        for key in _NAME_FIELDS:
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
    return None


def with_changes(sentence: str, changes: Changes | None) -> str:
    """`Edited group 'Sales'` followed by the fields an edit changed, when known."""
    if changes is None or not changes.fields:
        return sentence
    return f"{sentence}: {changed_fields(changes)}"


def outcome_summary(done: str, entry: SummaryInput) -> str:
    """The host's sentence `done` (what the call does) worded for the entry's outcome."""
    if entry.outcome is Outcome.SUCCEEDED:
        return done[:MAX_SUMMARY]
    doing = _infinitive(done)
    if entry.outcome is Outcome.UNKNOWN:
        return f"Outcome unknown: the change may have been made \u2014 {doing}"[:MAX_SUMMARY]
    reason = str(entry.status) if entry.status is not None else "no status"
    if entry.detail:
        reason = f"{reason}: {entry.detail}"
    if entry.status in REFUSED_STATUSES:
        return f"Tried to {doing} \u2014 refused ({reason})"[:MAX_SUMMARY]
    return f"Failed to {doing} ({reason})"[:MAX_SUMMARY]


def _infinitive(done: str) -> str:
    verb, _, rest = done.partition(" ")
    base = INFINITIVES.get(verb)
    if base is None:
        return f"do '{done}'"
    return f"{base} {rest}" if rest else base


def problem_detail(body: JSON) -> str | None:
    """The reason an error response gives: its problem `detail`, else its `title` (one line,
    without a final full stop, at most `MAX_DETAIL` characters)."""
    if not isinstance(body, dict):
        return None
    for key in ("detail", "title"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            if len(text) > MAX_DETAIL:
                text = text[: MAX_DETAIL - 1] + "\u2026"
            return text.removesuffix(".")
    return None
