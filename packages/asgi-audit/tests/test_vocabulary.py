"""The UI's vocabulary covers every value the engine knows, so a new one cannot go unlabelled."""

from __future__ import annotations

from asgi_audit.events import ENTRY, Action, ActorType
from asgi_audit.query import ActionType
from asgi_audit.vocabulary import Vocabulary


def test_every_action_type_action_and_actor_type_has_a_label() -> None:
    words = Vocabulary().to_json()
    assert [c["value"] for c in words["action_types"]] == [t.value for t in ActionType]
    assert [c["value"] for c in words["actions"]] == [a.value for a in Action]
    assert {c["value"] for c in words["actor_types"]} >= {"user", "system", "anonymous"}


def test_a_kind_of_caller_the_host_registers_is_listed_with_its_label() -> None:
    kind = ActorType.register("auditor")
    try:
        words = Vocabulary(actor_types={kind: "External auditor"}).to_json()
        assert {"value": "auditor", "label": "External auditor"} in words["actor_types"]
    finally:
        # Registration is process-wide: left in place, it would be a kind no generator makes.
        del ActorType.registered["auditor"]


def test_the_vocabulary_names_every_field_of_the_record_and_the_hosts_resource_types() -> None:
    words = Vocabulary({"group": "Groups"}).to_json()
    assert [f["path"] for f in words["fields"]] == [f.path for f in ENTRY.fields]
    assert words["resource_types"] == [{"value": "group", "label": "Groups"}]
