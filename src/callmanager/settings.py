"""Every knob of the service in one place, read from `CALLMANAGER_*` environment variables."""

from __future__ import annotations

import secrets
import socket
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from asgi_audit.tlog.note import Signer

DEFAULT_VAR_DIR = Path("var")


class Settings(BaseSettings):
    """Service configuration; see the README's Configuration table."""

    model_config = SettingsConfigDict(env_prefix="CALLMANAGER_", extra="ignore")

    var_dir: Path = DEFAULT_VAR_DIR
    database_url: str = ""
    """SQLAlchemy URL; empty means a SQLite file `callmanager.db` under `var_dir`."""
    audit_database_url: str = ""
    """Where audit entries go; empty means the same database as `database_url`."""
    secret_key: str = ""
    """Signs sessions and CSRF tokens; empty means generated once and kept in `var_dir`."""
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    audit_enabled: bool = True
    """Benchmarks only: False removes the audit middleware entirely."""
    audit_flush_interval_s: float = Field(default=0.2, gt=0, le=1.0)
    audit_queue_size: int = Field(default=10_000, ge=1)
    audit_export_workers: int = Field(default=2, ge=0, le=64)
    """Worker processes that write a large JSON Lines export's windows side by side (about
    one per core); 0 writes every export in its request's thread."""
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    invitation_days: int = Field(default=7, ge=1, le=90)
    provisioner_public_key: str = ""
    """Ed25519 public key (PEM or raw base64) of the Provisioner platform; empty means
    the local demo Provisioner key kept in `var_dir`."""
    scheduler_enabled: bool = True
    scheduler_first_run_s: float = Field(default=60.0, ge=0, le=86_400)
    """How long after start-up a process first checks whether today's task runs are due."""
    audit_signing_key: str = ""
    """Signs the audit log's checkpoints: a note signer key (`PRIVATE+KEY+<name>+…`, what
    `callmanager audit keygen` prints); empty means generated once and kept in `var_dir`."""
    audit_trusted_keys: str = ""
    """More verifier keys (`<name>+<id>+<key>`, separated by commas or spaces) whose checkpoints
    stay valid: the keys signed with before the signing key rotated."""
    audit_origin: str = ""
    """Names the logs: a tenant's origin line is `<this>/tenants/<tenant id>/audit-log`;
    empty means this machine's host name."""
    audit_checkpoint_interval_s: float = Field(default=10.0, gt=0, le=3600)
    audit_seal_after_s: float = Field(default=120.0, ge=1, le=86_400)
    """How long an entry may wait for its outcome before it takes its place in the log as is."""
    api_docs: bool = True
    """Serve `/docs`: Swagger UI for the OpenAPI document, from assets installed with it."""
    worker_threads: int = Field(default=16, ge=1, le=256)
    """Worker threads for synchronous endpoints (one hop a request); the database pool keeps
    as many connections, plus one for each background writer."""
    principal_cache_s: float = Field(default=60.0, ge=0, le=3600)
    """How long a resolved session or API token is reused (0: never); a revocation still
    takes effect on the very next request, in every process."""
    request_log: bool = True
    """One structured log line per request (`callmanager serve --no-access-log` turns it off)."""
    metrics_token: str = Field(default="", repr=False)
    """Collect Prometheus metrics and serve them at `GET /metrics` to `Authorization: Bearer
    <this>`; empty: no metrics are collected and `/metrics` is 404."""
    streams_enabled: bool = True
    """Deliver log streams from this process (command-line processes never do)."""
    stream_delivery: Literal["process", "inline"] = "process"
    """Where this process's log streams are delivered from: a child process of its own
    (`streams/sidecar.py`: delivery does not take turns with requests for the interpreter), or
    this process's own event loop."""
    streams_allow_private: bool = False
    """Let log streams reach loopback, private and link-local hosts, and plain `http`."""
    stream_retry_hours: float = Field(default=72.0, gt=0, le=24 * 365)
    """How long a stream retries a failing destination before it is `failing`."""
    stream_poll_s: float = Field(default=1.0, gt=0, le=60)
    """How often a delivering stream looks for new entries no write of this process told it
    of (another process's, on a shared database); its own writes wake it at once."""
    stream_batch_s: float = Field(default=0.5, ge=0, le=60)
    """How long a woken stream gathers entries before sending them, unless a full batch (500)
    arrives first: fewer, larger rounds on a busy server, for at most this much latency."""
    stream_lease_s: float = Field(default=30.0, ge=0.5, le=3600)
    """How long a process holds a stream without renewing; another takes over after."""
    stream_timeout_s: float = Field(default=10.0, gt=0, le=120)
    """A destination's connect and read timeout."""

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.var_dir / 'callmanager.db').resolve()}"

    @field_validator("audit_origin")
    @classmethod
    def _origin_a_checkpoint_can_carry(cls, origin: str) -> str:
        """The origin is a checkpoint's first line and its host names the signing key: no
        control character (C2SP signed-note), no space and no '+' (C2SP tlog-checkpoint's
        advice for origins, a rule for key names)."""
        if any(ch < " " or ch.isspace() or ch == "+" for ch in origin):
            raise ValueError(
                "the audit origin is a schema-less URL such as audit.example.com/call-manager: "
                "no control characters, spaces or '+'"
            )
        return origin

    @cached_property
    def resolved_audit_database_url(self) -> str:
        return self.audit_database_url or self.resolved_database_url

    @cached_property
    def resolved_audit_origin(self) -> str:
        return (self.audit_origin or socket.gethostname()).rstrip("/")

    @cached_property
    def resolved_audit_signing_key(self) -> str:
        if self.audit_signing_key:
            return self.audit_signing_key
        path = self.var_dir / "audit_signing_key"
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        name = self.resolved_audit_origin.split("/")[0] or "callmanager"
        key = Signer.generate(name).key
        path.touch(mode=0o600)
        path.write_text(key)
        return key

    @property
    def trusted_audit_keys(self) -> list[str]:
        return self.audit_trusted_keys.replace(",", " ").split()

    @cached_property
    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
