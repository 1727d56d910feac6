"""A request's synchronous database work in one worker-thread hop.

FastAPI runs each plain `def` dependency, the endpoint, and the validation of a plain endpoint's
result in a worker thread of its own, and a generator dependency's start and end in two more:
each hop is a hand-off between the event loop and a thread, and costs more than a short query.
Here the dependencies are `async def` and do no I/O; `OneHopRoute` runs a plain endpoint and
the end of its unit of work (commit, connection released) in one hop, so the result is
validated on the event loop afterwards.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from callmanager.db import UnitOfWork

_UNIT: ContextVar[UnitOfWork | None] = ContextVar("callmanager.unit_of_work", default=None)
"""The request's unit of work; worker threads see it through the context each hop copies."""


@asynccontextmanager
async def unit_of_work(uow: UnitOfWork) -> AsyncIterator[Session]:
    """The request's transaction, for `get_db`: opened without I/O (the session connects on its
    first query), committed when the handler returns, rolled back if it raises.

    After a plain endpoint under `OneHopRoute` it is already committed, in the endpoint's thread;
    otherwise ending it takes a hop of its own, and only if it holds a transaction.
    """
    with uow:
        _UNIT.set(uow)
        try:
            yield uow.session
        except BaseException:
            if uow.session.in_transaction():
                await run_in_threadpool(uow.rollback)
            raise
        else:
            if uow.session.in_transaction():
                await run_in_threadpool(uow.complete)
        finally:
            _UNIT.set(None)


def _complete_unit() -> None:
    uow = _UNIT.get()
    if uow is not None and uow.session.in_transaction():
        uow.complete()


def one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint` (a plain function) and its unit of work's commit, in one worker-thread hop."""
    if inspect.iscoroutinefunction(endpoint) or not inspect.isfunction(endpoint):
        return endpoint

    def run(kwargs: dict[str, Any]) -> Any:
        result = endpoint(**kwargs)
        _complete_unit()
        return result

    @functools.wraps(endpoint)  # FastAPI reads the signature through `__wrapped__`
    async def hop(**kwargs: Any) -> Any:
        return await run_in_threadpool(run, kwargs)

    return hop


class OneHopRoute(APIRoute):
    """An API route whose plain endpoint runs, with its commit, in a single hop."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, one_hop(endpoint), **kwargs)
