"""Resolving session cookies and API tokens to principals, through the principal cache.

A cached principal is used when the principal epoch, read after the request arrived, is still
the one it was resolved under: then no worker thread is needed at all. Otherwise the credential
is resolved in one worker-thread hop, the epoch read first in the same transaction, so a
revocation that lands in between makes the new entry stale rather than letting an old one live.
"""

from __future__ import annotations

from typing import Literal

import anyio.to_thread

from callmanager.auth.cache import PrincipalCache
from callmanager.auth.credentials import token_hash
from callmanager.auth.epoch import EpochReader, read_epoch
from callmanager.auth.last_used import LastUseWriter, write_last_use
from callmanager.auth.principal import Principal
from callmanager.auth.resolve import Resolved, resolve_session, resolve_token
from callmanager.db import SessionFactory, utcnow

Kind = Literal["session", "token"]


class Principals:
    """The auth middleware's source of principals for cookies and bearer tokens."""

    def __init__(
        self,
        session_factory: SessionFactory,
        epoch: EpochReader,
        *,
        ttl: float,
        max_entries: int = 10_000,
    ) -> None:
        self._session_factory = session_factory
        self._epoch = epoch
        self.cache = PrincipalCache(ttl, max_entries)
        self.last_use = LastUseWriter(session_factory)
        """Writes tokens' later uses off the request path (`close()` waits for what is queued)."""

    async def from_session(self, cookie: str) -> Principal | None:
        return await self._principal("session", cookie)

    async def from_token(self, bearer: str) -> Principal | None:
        return await self._principal("token", bearer)

    async def _principal(self, kind: Kind, credential: str) -> Principal | None:
        hashed = token_hash(credential)
        key = f"{kind}:{hashed}"
        if key in self.cache:
            epoch = await self._epoch.current()
            now = utcnow()
            cached = self.cache.get(key, epoch, now) if epoch is not None else None
            if cached is not None:
                if cached.token_id is not None and cached.last_use_due(now):
                    self.cache.used(key, now)
                    self.last_use.record(cached.token_id, now)
                return cached.principal
        resolved, read_under = await anyio.to_thread.run_sync(self._resolve, kind, hashed)
        if resolved is None:
            return None
        self.cache.put(key, resolved, read_under)
        return resolved.principal

    def _resolve(self, kind: Kind, hashed: str) -> tuple[Resolved | None, int]:
        with self._session_factory() as db:
            epoch = read_epoch(db)  # first: see the module's docstring
            resolved = resolve_token(db, hashed) if kind == "token" else resolve_session(db, hashed)
            now = utcnow()
            if (
                resolved is not None
                and resolved.token_id is not None
                and resolved.last_use_due(now)
            ):
                # A credential's first use in this process: written now, in its own
                # transaction (not the request's); later uses go to the background writer.
                write_last_use(db, resolved.token_id, now)
                db.commit()
                resolved = Resolved(resolved.principal, resolved.expires_at, resolved.token_id, now)
            return resolved, epoch

    async def close(self) -> None:
        self.last_use.close()
        await self._epoch.close()
