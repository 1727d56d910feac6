"""Redaction: secret keys in any spelling, at any depth, never survive."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from callmanager.audit.redact import (
    MAX_DEPTH,
    REDACTED,
    KeepFields,
    RedactKeys,
    RedactQuery,
    ScrubNul,
    SecretKeys,
    TooDeep,
    chain,
    default_redactor,
)
from callmanager.audit.types import JSON

SECRET_KEYS = [
    "password", "Password", "PASSWORD", "new_password", "passwordConfirmation", "secret",
    "client_secret", "Client-Secret", "clientSecret", "token", "access_token", "refresh-token",
    "invitation_token", "idToken", "api_key", "API-KEY", "x.api.key", "authorization",
    "Authorization", "cookie", "Set-Cookie", "private_key", "passphrase", "pin", "credentials",
]  # fmt: skip
PLAIN_KEYS = ["name", "email", "role", "description", "members", "id", "expires_at", "pinned"]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_secret_keys_are_recognised_in_any_case_and_separator(key: str) -> None:
    assert SecretKeys()(key)


@pytest.mark.parametrize("key", PLAIN_KEYS)
def test_ordinary_keys_are_kept(key: str) -> None:
    assert not SecretKeys()(key)


def test_redaction_replaces_values_at_any_depth_without_touching_the_input() -> None:
    body: JSON = {
        "name": "x",
        "auth": [{"Password": "p1", "inner": {"api_key": "k"}}],
        "token": None,
    }
    assert RedactKeys()(body) == {
        "name": "x",
        "auth": [{"Password": REDACTED, "inner": {"api_key": REDACTED}}],
        "token": REDACTED,
    }
    assert body["token"] is None


def test_a_secret_key_hides_its_whole_subtree() -> None:
    assert RedactKeys()({"credentials": {"user": "u", "pass": "p"}}) == {"credentials": REDACTED}


SECRET_VALUE = "s3cr3t-VALUE-"
secret_values = st.integers(0, 10**6).map(lambda n: f"{SECRET_VALUE}{n}")
plain_keys = st.sampled_from(PLAIN_KEYS) | st.text("abcdefghij", min_size=1, max_size=6)
scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8)


def _json_with_secrets() -> st.SearchStrategy[JSON]:
    """Nested JSON where secret keys (holding secrets or whole subtrees) sit at random depths."""

    def extend(children: st.SearchStrategy[JSON]) -> st.SearchStrategy[JSON]:
        secret_holders = st.dictionaries(
            st.sampled_from(SECRET_KEYS), secret_values | children, min_size=1, max_size=2
        )
        plain = st.dictionaries(plain_keys, children, max_size=3)
        merged = st.tuples(plain, secret_holders).map(lambda pair: {**pair[0], **pair[1]})
        return st.lists(children, max_size=3) | plain | merged

    return st.recursive(scalars | secret_holders_leaf(), extend, max_leaves=25)


def secret_holders_leaf() -> st.SearchStrategy[JSON]:
    return st.dictionaries(st.sampled_from(SECRET_KEYS), secret_values, min_size=1, max_size=2)


@given(_json_with_secrets())
def test_no_secret_survives_redaction_at_any_depth(body: JSON) -> None:
    redacted = default_redactor()(body)
    assert SECRET_VALUE.encode() not in orjson.dumps(redacted)


@given(_json_with_secrets())
def test_redaction_keeps_every_ordinary_key(body: JSON) -> None:
    def plain_paths(value: JSON, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
        if isinstance(value, dict):
            found = set()
            for k, v in value.items():
                if not SecretKeys()(k):
                    found |= {(*prefix, k)} | plain_paths(v, (*prefix, k))
            return found
        return set()

    assert plain_paths(RedactKeys()(body)) == plain_paths(body)


def test_secret_query_parameters_are_redacted_keeping_the_rest_verbatim() -> None:
    redact = RedactQuery()
    assert (
        redact("a=1&token=abc&Api-Key=k&b=%20x")
        == f"a=1&token={REDACTED}&Api-Key={REDACTED}&b=%20x"
    )
    assert redact("password") == f"password={REDACTED}"
    assert redact("") == ""


def test_keep_fields_keeps_only_the_declared_top_level_fields() -> None:
    keep = KeepFields(["id", "email"])
    assert keep({"id": 1, "email": "e", "token": "t"}) == {"id": 1, "email": "e"}
    assert keep([{"id": 1, "token": "t"}]) == [{"id": 1}]
    assert keep("a token") is None


def test_nul_characters_are_replaced_so_postgresql_can_store_the_body() -> None:
    assert ScrubNul()({"a\x00": ["b\x00c", 1]}) == {"a\ufffd": ["b\ufffdc", 1]}


def test_steps_chain_in_order() -> None:
    redact = chain(KeepFields(["token", "id"]), RedactKeys())
    assert redact({"id": 1, "token": "t", "other": 2}) == {"id": 1, "token": REDACTED}


def test_json_nested_too_deep_is_refused() -> None:
    value: JSON = "leaf"
    for _ in range(MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(TooDeep):
        RedactKeys()(value)
