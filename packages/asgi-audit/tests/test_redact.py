"""Redaction: secret keys in any spelling, at any depth, never survive."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_audit.redact import (
    MAX_DEPTH,
    REDACTED,
    KeepFields,
    RedactBody,
    RedactKeys,
    RedactQueriesInText,
    RedactQuery,
    ScrubNul,
    SecretKeys,
    TooDeep,
    chain,
    default_redactor,
)
from asgi_audit.types import JSON

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


def test_every_query_string_in_free_text_has_its_secret_parameters_redacted() -> None:
    redact = RedactQueriesInText()
    line = '1.2.3.4 - "GET /accept-invitation?tenant=t&token=abc HTTP/1.1" 200 (see /x?grant=g)'
    assert redact(line) == (
        f'1.2.3.4 - "GET /accept-invitation?tenant=t&token={REDACTED} HTTP/1.1" 200'
        f" (see /x?grant={REDACTED}"
    )
    assert redact("no query here; is it? yes") == "no query here; is it? yes"


def test_a_query_string_in_text_runs_to_the_next_whitespace_whatever_it_contains() -> None:
    """Quotes or brackets sent raw in a query never end it early, leaving a secret behind."""
    redact = RedactQueriesInText()
    assert (
        redact('/p?x="&api_key=k1&y=<&token=k2')
        == f'/p?x="&api_key={REDACTED}&y=<&token={REDACTED}'
    )


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


def _json_with_secrets_and_nuls() -> st.SearchStrategy[JSON]:
    """Nested JSON: secret keys, NULs in keys and values, keys that collide once scrubbed."""
    nul_text = st.text("ab\x00\ufffd", max_size=4)
    keys = st.sampled_from(SECRET_KEYS) | plain_keys | nul_text | st.sampled_from(["pass\x00word"])
    leaves = (
        st.none()
        | st.booleans()
        | st.integers(-(2**63), 2**63 - 1)
        | st.floats(allow_nan=False)
        | st.text(max_size=8)
        | nul_text
        | secret_values
    )
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=40,
    )


@given(_json_with_secrets_and_nuls())
def test_the_fused_redactor_gives_exactly_what_the_chained_steps_give(body: JSON) -> None:
    fused = RedactBody()(body)
    chained = chain(RedactKeys(), ScrubNul())(body)
    assert fused == chained
    assert orjson.dumps(fused) == orjson.dumps(chained)  # same keys in the same order too


@given(_json_with_secrets())
def test_no_secret_survives_the_fused_redactor_at_any_depth(body: JSON) -> None:
    assert SECRET_VALUE.encode() not in orjson.dumps(RedactBody()(body))


@given(_json_with_secrets_and_nuls())
def test_the_fused_redactor_never_changes_its_input(body: JSON) -> None:
    before = orjson.dumps(body)
    RedactBody()(body)
    assert orjson.dumps(body) == before


def test_the_fused_redactor_takes_any_key_test() -> None:
    redact = RedactBody(lambda key: key.startswith("x-"))
    assert redact({"x-a": 1, "token": "t", "b": [{"x-c": {"d": 2}}]}) == {
        "x-a": REDACTED,
        "token": "t",
        "b": [{"x-c": REDACTED}],
    }


def test_every_body_goes_through_the_fused_redactor() -> None:
    assert isinstance(default_redactor(), RedactBody)


def _nested(depth: int, leaf: JSON, *, container: str) -> JSON:
    value = leaf
    for _ in range(depth):
        value = [value] if container == "list" else {"k": value}
    return value


@pytest.mark.parametrize("container", ["list", "dict"])
@pytest.mark.parametrize(
    "leaf",
    ["leaf", None, [], {}, ["x"], {"k": 1}, {"token": {"deeper": [1]}}, {"token": 1, "k": 2}],
)
@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
def test_the_fused_redactor_refuses_exactly_the_json_the_chained_steps_refuse(
    container: str, leaf: JSON, depth: int
) -> None:
    """At the depth limit, empty containers and all-secret objects pass; the rest is refused."""
    body = _nested(depth, leaf, container=container)
    try:
        expected: JSON | type[TooDeep] = chain(RedactKeys(), ScrubNul())(body)
    except TooDeep:
        expected = TooDeep
    if expected is TooDeep:
        with pytest.raises(TooDeep):
            RedactBody()(body)
    else:
        assert RedactBody()(body) == expected
