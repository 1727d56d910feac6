"""The service's log: uvicorn's lines and ours, each with its secret query parameters redacted
by the rule the audit record uses (`audit_rules.REDACT_QUERY`), before any handler writes it.

Every line is structured: rendered by structlog as one JSON object per line when stderr is not
a terminal (what log shippers read), as readable `key=value` text when it is.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import orjson
import structlog

from asgi_audit.redact import RedactQueriesInText
from callmanager.audit_rules import REDACT_QUERY

SERVICE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""A plain text format, for a host that configures its own logging (the service's is
`structured_formatter`)."""

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
        if isinstance(record.msg, dict):  # a structlog event: `RedactEvent` redacts its values
            return True
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


class RedactEvent:
    """structlog processor: every string value of an event loses its secret query parameters
    (extra fields and rendered tracebacks included)."""

    def __init__(self, redact: Callable[[str], str] | None = None) -> None:
        self.redact = redact or RedactQueriesInText(REDACT_QUERY)

    def __call__(
        self, _logger: object, _name: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key, value in event.items():
            if isinstance(value, str):
                event[key] = self.redact(value)
        return event


def drop_color_message(
    _logger: object, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: uvicorn's `color_message` extra repeats the message with escapes."""
    event.pop("color_message", None)
    return event


REQUEST_LOGGER = "callmanager.requests"
"""The logger of the one line per request (`observe.request_log`)."""


def _json(event: Any, **_options: Any) -> str:
    """orjson, several times faster than `json` on the request path; unknown types as `str`."""
    return orjson.dumps(event, default=str).decode()


def structured_formatter(json_lines: bool) -> structlog.stdlib.ProcessorFormatter:
    """Renders every record (structlog's or the standard library's, with its `extra` fields)
    as one JSON line, or as readable text."""
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json)
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ExtraAdder(),
            drop_color_message,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            RedactEvent(),
            renderer,
        ],
    )


def log_config(level: str, *, json_lines: bool | None = None) -> dict[str, Any]:
    """One redacting handler on stderr for every logger (uvicorn's included), structured.

    `json_lines` None: JSON unless stderr is a terminal. uvicorn's own access log is off
    (`callmanager serve` runs with `access_log=False`): the request line is ours, with the
    route, tenant, actor and audit entry. The root handler passes what reaches it (the
    service's loggers at `level`, everyone else's at WARNING).
    """
    if json_lines is None:
        json_lines = not sys.stderr.isatty()
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # Named, not referenced: the configuration is plain data (uvicorn's `--log-config` takes
        # it as a JSON file; `--workers` hands it to each worker).
        "filters": {"redact_secrets": {"()": f"{__name__}.RedactSecrets"}},
        "formatters": {
            "service": {"()": f"{__name__}.structured_formatter", "json_lines": json_lines}
        },
        "handlers": {
            "service": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "service",
                "filters": ["redact_secrets"],
            }
        },
        "loggers": {
            name: {"level": level, "handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "callmanager", "asgi_audit")
        },
        "root": {"handlers": ["service"], "level": "WARNING"},
    }
