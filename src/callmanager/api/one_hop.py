"""A request's synchronous database work in one worker-thread hop, its unit of work owned by
the route.

FastAPI runs each plain `def` dependency, the endpoint, and the validation of a plain endpoint's
result in a worker thread of its own, and a generator dependency's start and end in two more:
each hop is a hand-off between the event loop and a thread, and costs more than a short query.
Here the dependencies are `async def` and do no I/O; `OneHopRoute` opens the request's unit of
work (without I/O: the session connects on its first query), runs a plain endpoint and the
commit in one hop, and so the result is validated on the event loop afterwards. Owning the unit
in the route, rather than in a generator dependency, also spares FastAPI's exit stack per call.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from contextvars import ContextVar
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from callmanager.db import UnitOfWork
from callmanager.services import Services

_UNIT: ContextVar[UnitOfWork | None] = ContextVar("callmanager.unit_of_work", default=None)
"""The request's unit of work; worker threads see it through the context each hop copies."""

_INLINE: ContextVar[bool] = ContextVar("callmanager.read_inline", default=False)
"""Whether the request's endpoint runs on the event loop instead of in a hop (`QuickReadRoute`)."""

READ_METHODS = frozenset({"GET", "HEAD"})


def request_session(request: Request) -> Session:
    """The session of the request's unit of work (for `get_db`): the one its `OneHopRoute`
    owns, or under any other route one opened now and ended by FastAPI's function-scoped exit
    stack, as a generator dependency would be, at the cost of that stack and a hop to commit."""
    uow = _UNIT.get()
    if uow is None:
        uow = _unit_on_exit_stack(request)
    return uow.session


def _unit_on_exit_stack(request: Request) -> UnitOfWork:
    services: Services = request.app.state.services
    uow = services.unit_of_work().__enter__()
    _UNIT.set(uow)  # the rest of the request's dependencies and its endpoint share it
    stack: AsyncExitStack = request.scope["fastapi_function_astack"]

    async def end(failed: type[BaseException] | None, *_: object) -> bool:
        try:
            if uow.session.in_transaction():
                await run_in_threadpool(uow.rollback if failed else uow.complete)
        finally:
            uow.__exit__(None, None, None)
            _UNIT.set(None)
        return False  # an exception goes on

    stack.push_async_exit(end)
    return uow


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
        if _INLINE.get():
            return run(kwargs)
        return await run_in_threadpool(run, kwargs)

    return hop


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def with_unit_of_work(handler: Handler, *, reads_inline: bool = False) -> Handler:
    """`handler` inside the request's unit of work: one transaction, committed when the handler
    returns (before the response is sent, so no client sees a change that is not committed) and
    rolled back if it raises. Handlers and domain services never commit or roll back.

    After a plain endpoint it is already committed, in the endpoint's hop; otherwise ending it
    takes a hop of its own, and only if it holds a transaction.
    """

    async def handle(request: Request) -> Response:
        services: Services = request.app.state.services
        quick_read = reads_inline and request.method in READ_METHODS
        with services.read_unit() if quick_read else services.unit_of_work() as uow:
            token = _UNIT.set(uow)
            if quick_read and _reads_inline(services):
                _INLINE.set(True)
            try:
                response = await handler(request)
            except BaseException:
                if uow.session.in_transaction():
                    await run_in_threadpool(uow.rollback)
                raise
            else:
                if uow.session.in_transaction():
                    await run_in_threadpool(uow.complete)
                return response
            finally:
                _UNIT.reset(token)
                _INLINE.set(False)

    return handle


def _reads_inline(services: Services) -> bool:
    """A quick read may run on the loop when the database is a local SQLite file (a read there
    waits for no writer: WAL) and the pool has an idle connection (so the loop never waits for
    one)."""
    engine = services.engine
    if engine.dialect.name != "sqlite":
        return False
    idle = getattr(engine.pool, "checkedin", None)
    return idle is not None and idle() > 0


class OneHopRoute(APIRoute):
    """A route that owns its request's unit of work and runs a plain endpoint, with its commit,
    in a single hop."""

    reads_inline = False

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, one_hop(endpoint), **kwargs)

    def get_route_handler(self) -> Handler:
        return with_unit_of_work(super().get_route_handler(), reads_inline=self.reads_inline)


class QuickReadRoute(OneHopRoute):
    """A `OneHopRoute` whose reads (GET, HEAD) are short point or small-list queries: on SQLite
    they run on the event loop, no hop at all. Handing a sub-millisecond read to a worker thread
    and back costs more than the read (the interpreter's lock changing hands both ways: 7 to 40 %
    of the process's CPU for an audited list of groups, docs/performance.md). Searches, exports
    and anything that may read many rows keep their hop, so the loop never waits on them."""

    reads_inline = True
