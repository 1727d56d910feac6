"""The service log: every line, uvicorn's or ours, loses its secret query parameters."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from asgi_audit import REDACTED
from callmanager.audit_rules import REDACT_QUERY, call_manager_policy
from callmanager.logs import SERVICE_FORMAT, RedactSecrets, log_config

SECRET = "s3cr3t-value"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through a redacting handler into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(SERVICE_FORMAT))
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger("callmanager.test-logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def test_the_access_log_keeps_the_request_line_but_not_its_secrets() -> None:
    """uvicorn's access formatter reads the path from the arguments, so they keep their places."""
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/partner-access?tenant=t&grant={SECRET}", "1.1", 303),
        None,
    )  # fmt: skip
    assert RedactSecrets().filter(record)
    assert record.args == (
        "127.0.0.1:5000", "GET", f"/partner-access?tenant=t&grant={REDACTED}", "1.1", 303
    )  # fmt: skip


def test_our_own_lines_lose_secrets_in_their_message_arguments_and_traceback(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.error("refused %s %s: %s", "GET", f"/x?token={SECRET}", ValueError(f"?api_key={SECRET}"))
    logger.warning(f"called https://example.com/hook?password={SECRET}")
    logger.info("%(path)s", {"path": f"/accept-invitation?token={SECRET}"})
    try:
        raise RuntimeError(f"fetching /p?grant={SECRET} failed")
    except RuntimeError:
        logger.exception("it broke")
    written = stream.getvalue()
    assert SECRET not in written
    assert f"/x?token={REDACTED}" in written
    assert f"?api_key={REDACTED}" in written
    assert f"/accept-invitation?token={REDACTED}" in written
    assert f"RuntimeError: fetching /p?grant={REDACTED} failed" in written


def test_ordinary_arguments_are_left_as_they_are() -> None:
    record = logging.LogRecord(
        "callmanager", logging.INFO, __file__, 1, "%d of %r", (3, ["a?b"]), None
    )
    RedactSecrets().filter(record)
    assert record.getMessage() == "3 of ['a?b']"


def test_the_log_and_the_audit_record_redact_queries_with_one_rule() -> None:
    assert call_manager_policy(FastAPI()).redact_query is REDACT_QUERY
    redact = RedactSecrets().redact
    assert getattr(redact, "redact_query", None) is REDACT_QUERY


def test_every_handler_of_the_service_log_redacts() -> None:
    config = log_config("info")
    assert config["handlers"]
    for handler in config["handlers"].values():
        assert handler["filters"] == ["redact_secrets"]
    assert config["root"]["handlers"] == ["service"]
