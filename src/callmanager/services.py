"""The long-lived parts of one running service, built once from settings and shared by requests."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from asgi_audit import AuditLog, AuditWriter, SqlAuditStore
from asgi_audit.export_pool import ExportPool
from asgi_audit.notary import Notary
from asgi_audit.tlog.note import Signer, Verifier
from callmanager.auth.epoch import epoch_reader
from callmanager.auth.middleware import SYSTEM_SCHEME
from callmanager.auth.principals import Principals
from callmanager.db import (
    UnitOfWork,
    make_engine,
    make_read_session_factory,
    make_session_factory,
)
from callmanager.settings import Settings
from callmanager.streams.delivery import Deliverer
from callmanager.streams.sidecar import DeliveryProcess

Hook = Callable[[], Awaitable[None]]
BACKGROUND_THREADS = 3
"""Threads of this process that use the database besides the workers: a token's last use, the
scheduler's task, log stream delivery."""


@dataclass
class Services:
    """Engine, session factory and background machinery; started and stopped by the lifespan."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    system_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    """Held only in this process: what background tasks authenticate with."""
    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)
    audit_store: SqlAuditStore = field(init=False)
    audit_log: AuditLog = field(init=False)
    """Searches the audit log (always there, so the log stays readable with capture off)."""
    notary: Notary = field(init=False)
    """Seals and checkpoints the audit log (run by the writer's thread)."""
    audit_writer: AuditWriter | None = field(init=False, default=None)
    """Writes audit entries; None when `audit_enabled` is off."""
    principals: Principals = field(init=False)
    """Resolves session cookies and API tokens, through the principal cache."""
    read_session_factory: sessionmaker[Session] = field(init=False)
    """Sessions of quick reads (`read_unit`)."""
    deliverer: Deliverer | DeliveryProcess | None = field(init=False, default=None)
    """Delivers log streams, here or from a child process (`stream_delivery`); None when
    `streams_enabled` is off (command-line processes)."""

    def __post_init__(self) -> None:
        self.read_session_factory = make_read_session_factory(self.engine)
        self.principals = Principals(
            self.session_factory,
            epoch_reader(self.settings.resolved_database_url),
            ttl=self.settings.principal_cache_s,
        )
        self.on_stop.append(self.principals.close)
        self.on_start.append(self._size_worker_threads)
        self.audit_store = SqlAuditStore.from_url(self.settings.resolved_audit_database_url)
        cursor_key = self.settings.resolved_secret_key.encode()
        pool = ExportPool.serving(self.audit_store, self.settings.audit_export_workers)
        self.audit_log = AuditLog(self.audit_store, cursor_key=cursor_key, export_pool=pool)
        self.on_stop.append(self._close_audit_store)
        settings = self.settings
        self.notary = Notary(
            self.audit_store,
            Signer.parse(settings.resolved_audit_signing_key),
            lambda tenant: f"{settings.resolved_audit_origin}/tenants/{tenant}/audit-log",
            interval=settings.audit_checkpoint_interval_s,
            seal_after=settings.audit_seal_after_s,
            trusted=[Verifier.parse(key) for key in settings.trusted_audit_keys],
        )
        if self.settings.audit_enabled:
            writer = AuditWriter(
                self.audit_store,
                flush_interval=self.settings.audit_flush_interval_s,
                max_queue=self.settings.audit_queue_size,
                maintenance=self.notary.run,
            )
            self.audit_writer = writer
            self.on_start.append(self._start_audit_writer)
            self.on_stop.append(writer.shutdown)
        if self.settings.streams_enabled:
            # Stopped before the audit store closes (stop hooks run in reverse).
            self.deliverer = (
                DeliveryProcess(self.settings)
                if self.settings.stream_delivery == "process"
                else Deliverer(self.session_factory, self.audit_store, self.settings)
            )
            if self.audit_writer is not None:  # its writes wake the streams
                self.audit_writer.observer = self.deliverer.observer
            self.on_start.append(self.deliverer.start)
            self.on_stop.append(self.deliverer.stop)

    async def _size_worker_threads(self) -> None:
        """As many worker threads as the pool keeps connections for (anyio's default is 40)."""
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = self.settings.worker_threads

    async def _start_audit_writer(self) -> None:
        if self.audit_writer is not None:
            self.audit_writer.start()

    async def _close_audit_store(self) -> None:
        if self.audit_log.export_pool is not None:
            await anyio.to_thread.run_sync(self.audit_log.export_pool.close)
        self.audit_store.close()

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = make_engine(
            settings.resolved_database_url, pool_size=settings.worker_threads + BACKGROUND_THREADS
        )
        return cls(settings=settings, engine=engine, session_factory=make_session_factory(engine))

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def read_unit(self) -> UnitOfWork:
        """A unit of work for a quick read (`QuickReadRoute`): on PostgreSQL its statements
        run in autocommit (`db.make_read_session_factory`); elsewhere a unit as any other."""
        return UnitOfWork(self.read_session_factory)

    def system_headers(self, task_name: str) -> dict[str, str]:
        """Headers that make an in-process API call as the System task `task_name`."""
        return {
            "Authorization": f"{SYSTEM_SCHEME} {self.system_secret}",
            "X-CallManager-Task": task_name,
        }

    async def start(self) -> None:
        """Start background machinery (audit writer, scheduler) in registration order."""
        for hook in self.on_start:
            await hook()

    async def stop(self) -> None:
        """Drain and stop background machinery in reverse order, then release connections."""
        for hook in reversed(self.on_stop):
            await hook()
        self.engine.dispose()
