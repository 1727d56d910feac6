"""What an edit changed: the resource's state before the change against the state the response
returned, as a field-by-field `Changes` document.

Objects are compared key by key (nested keys as dotted paths, `business_hours.monday`); a list
of scalars (ids, emails) changes by what was `added` and `removed`; anything else that differs
is written `before` and `after`. Both sides are redacted the same way, so a secret compares
equal to itself and is never written.
"""

from __future__ import annotations

from collections.abc import Iterable

from asgi_audit.events import Changes
from asgi_audit.types import JSON, JSONObject

CAPTURED = "captured"
UNKNOWN = "unknown"

NO_EARLIER_STATE = Changes(UNKNOWN)
"""An edit whose resource could not be read before the change."""

_SCALARS = (str, int, float, bool, type(None))


def changes_between(before: JSON, after: JSON, ignore: Iterable[str] = ()) -> Changes:
    """The changes from `before` to `after` (two JSON objects); `ignore` names top-level fields
    that change with every edit and say nothing (`updated_at`)."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return NO_EARLIER_STATE
    skipped = frozenset(ignore)
    fields: list[JSONObject] = []
    _compare(before, after, "", skipped, fields)
    return Changes(CAPTURED, tuple(fields))


def _compare(
    before: JSONObject,
    after: JSONObject,
    prefix: str,
    skipped: frozenset[str],
    out: list[JSONObject],
) -> None:
    for key in [*before, *(k for k in after if k not in before)]:
        if not prefix and key in skipped:
            continue
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        path = prefix + key
        if isinstance(old, dict) and isinstance(new, dict):
            _compare(old, new, path + ".", skipped, out)
        elif _scalars(old) and _scalars(new):
            out.append(_list_change(path, old, new))  # type: ignore[arg-type]
        else:
            out.append({"field": path, "before": old, "after": new})


def _scalars(value: JSON) -> bool:
    return isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value)


def _list_change(path: str, old: list[JSON], new: list[JSON]) -> JSONObject:
    added = [v for v in new if v not in old]
    removed = [v for v in old if v not in new]
    if not added and not removed:  # the same items in another order
        return {"field": path, "before": old, "after": new}
    return {"field": path, "added": added, "removed": removed}


def changed_fields(changes: Changes, most: int = 4) -> str:
    """The changed fields as a summary names them: `name, members (+2, -1)`; nested paths by
    their top-level field, once; past `most` fields, `and N more`."""
    names: list[str] = []
    for change in changes.fields:
        path = str(change.get("field", ""))
        head = path.split(".", 1)[0].replace("_", " ")
        label = head
        if "added" in change and head == path.replace("_", " "):
            added, removed = change.get("added"), change.get("removed")
            counts = []
            if isinstance(added, list) and added:
                counts.append(f"+{len(added)}")
            if isinstance(removed, list) and removed:
                counts.append(f"\u2212{len(removed)}")
            label = f"{head} ({', '.join(counts)})"
        if label not in names and not any(n.split(" (")[0] == head for n in names):
            names.append(label)
    if len(names) > most:
        return ", ".join(names[:most]) + f" and {len(names) - most} more"
    return ", ".join(names)
