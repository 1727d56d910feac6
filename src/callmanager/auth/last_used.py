"""Writing an API token's last use off the request's path: one background thread, its own
transaction, at most once a minute per token (the `WHERE` keeps it so across processes too)."""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from callmanager.auth.models import ApiToken
from callmanager.auth.resolve import LAST_USED_PRECISION
from callmanager.db import SessionFactory

log = logging.getLogger(__name__)


def write_last_use(db: Session, token_id: uuid.UUID, at: datetime) -> None:
    """Record a use of the token at `at` unless one within the last minute is recorded."""
    db.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < at - LAST_USED_PRECISION),
        )
        .values(last_used_at=at)
    )


class LastUseWriter:
    """Queues tokens' uses for a thread of their own; `close()` writes what is queued."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self._executor: ThreadPoolExecutor | None = None

    def record(self, token_id: uuid.UUID, at: datetime) -> None:
        if self._executor is None:  # started on first use, again after a `close()`
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="token-last-use")
        self._executor.submit(self._write, token_id, at)

    def _write(self, token_id: uuid.UUID, at: datetime) -> None:
        try:
            with self._session_factory() as db:
                write_last_use(db, token_id, at)
                db.commit()
        except Exception:  # a lost "last used" must not reach a request; say so in the log
            log.warning("could not record an API token's last use", exc_info=True)

    def close(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True)
