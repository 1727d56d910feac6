"""Every knob of the service in one place, read from `CALLMANAGER_*` environment variables."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    invitation_days: int = Field(default=7, ge=1, le=90)
    provisioner_public_key: str = ""
    """Ed25519 public key (PEM or raw base64) of the Provisioner platform; empty means
    the local demo Provisioner key kept in `var_dir`."""
    scheduler_enabled: bool = True
    api_docs: bool = True
    """Serve `/docs`: Swagger UI for the OpenAPI document, from assets installed with it."""

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.var_dir / 'callmanager.db').resolve()}"

    @cached_property
    def resolved_audit_database_url(self) -> str:
        return self.audit_database_url or self.resolved_database_url

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
