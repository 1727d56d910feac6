"""The service's log: uvicorn's lines and ours, each with its secret query parameters redacted
by the rule the audit record uses (`audit_rules.REDACT_QUERY`), before any handler writes it."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from asgi_audit.redact import RedactQueriesInText
from callmanager.audit_rules import REDACT_QUERY

SERVICE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""How Call Manager's own lines read (uvicorn's keep uvicorn's format)."""

_TRACEBACKS = logging.Formatter()


class RedactSecrets(logging.Filter):
    """Rewrites a record's message, arguments and traceback without secret query parameters.

    The arguments keep their places, so a formatter that reads them one by one (uvicorn's
    access log takes the request path from `args[2]`) still finds them.
    """

    def __init__(self, redact: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.redact = redact or RedactQueriesInText(REDACT_QUERY)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._value(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._value(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: self._value(arg) for key, arg in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(_TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def _value(self, value: object) -> object:
        if value is None or isinstance(value, int | float):
            return value
        text = value if isinstance(value, str) else str(value)
        redacted = self.redact(text)
        return value if redacted == text else redacted


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging configuration, a handler for everyone else's, all of them redacting.

    The root handler passes what reaches it (the task log at `level`, the rest at WARNING, as
    Python's last-resort handler did before).
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": RedactSecrets}}
    config["formatters"]["service"] = {"format": SERVICE_FORMAT}
    config["handlers"]["service"] = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "service",
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_secrets"]
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        config["loggers"].setdefault(name, {})["level"] = level.upper()
    config["root"] = {"handlers": ["service"], "level": "WARNING"}
    return config
