"""Checks in worker processes that can be stopped: the server's hard limit on any one request.

A check is pure Python and C code that holds the interpreter lock, so a thread running it can
neither be interrupted nor keep other requests from waiting. Here each check runs in a worker
process of a pebble.ProcessPool; the server waits for it on the event loop and

* stops the worker when the request's budget (plus a short grace for the checker's own,
  cooperative deadline to answer first) has passed, or when the client has gone away;
* gets a fresh worker in its place, forked from a fork server that has the pipeline loaded
  already (api/workerpreload.py), so a replacement is ready at once; every worker is also
  replaced after STEMCHECK_CHECK_MAX_TASKS checks, so that what grows with the words it has
  seen (spaCy's vocabulary, the judge's word cache) never grows without bound.

The server process itself never runs a check and stays free to answer /healthz and the rest.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import time
from typing import Awaitable, Callable, TypeVar

import pebble

from checker.deadline import CheckTimeout
from checker.pipeline import Checker

from . import checkworker
from .catalogue import Catalogue
from .settings import Settings

logger = logging.getLogger("stemcheck.api")
T = TypeVar("T")

# How often a waiting request looks at its client and its clock (the 1 s limits on stopping
# abandoned or overdue work leave room for pebble's own ~0.1 s supervision loop).
POLL_S = 0.1
# After the budget, the worker's own deadline (tested between chunks) usually answers within
# this; past it the worker is stopped.
GRACE_S = 0.4


class ClientGone(Exception):
    """The client closed the connection; its check was stopped."""


class WorkerLost(Exception):
    """A worker process died in the middle of a check (killed from outside, out of memory)."""


def _context() -> multiprocessing.context.BaseContext:
    # Fork server: workers are forked from a small clean process (not from the server, which
    # has threads), and it preloads the pipeline so that workers share it.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["api.workerpreload"])
    return ctx


class CheckPool:
    def __init__(self, factory: Callable[[], Checker], settings: Settings) -> None:
        self.processes = settings.check_processes
        self._pool = pebble.ProcessPool(
            max_workers=self.processes,
            max_tasks=settings.check_max_tasks,  # then a fresh worker: bounded memory
            initializer=checkworker.init_worker,
            initargs=(factory, settings),
            context=_context(),
        )

    def catalogue(self) -> Catalogue:
        """Build the rule pack's read-only answers in a worker (blocks; once, at start-up)."""
        return self._pool.schedule(checkworker.catalogue).result()

    async def check(
        self, method: str, request: object, *, deadline: float, disconnected: Callable[[], Awaitable[bool]]
    ) -> tuple[bytes, float]:
        """``CheckService.<method>(request, deadline)`` in a worker: (JSON bytes, seconds of work)."""
        return await self.run(
            checkworker.run_check, (method, request, deadline), deadline=deadline, disconnected=disconnected
        )

    async def run(
        self,
        fn: Callable[..., T],
        args: tuple,
        *,
        deadline: float,
        disconnected: Callable[[], Awaitable[bool]] | None = None,
    ) -> T:
        """``fn(*args)`` in a worker (``fn`` and ``args`` must pickle).

        Raises CheckTimeout past ``deadline`` (+ GRACE_S), ClientGone when ``disconnected()``
        turns true, WorkerLost when the worker dies; the worker's own errors (ApiError)
        are raised as they are. In each of the first three cases the work is stopped."""
        future = self._pool.schedule(fn, args=args)
        waiter = asyncio.wrap_future(future)
        try:
            while True:
                left = deadline + GRACE_S - time.monotonic()
                if left <= 0:
                    future.cancel()  # a running task's worker is stopped and replaced
                    raise CheckTimeout()
                done, _ = await asyncio.wait({waiter}, timeout=min(POLL_S, left))
                if done:
                    break
                if disconnected is not None and await disconnected():
                    future.cancel()
                    raise ClientGone()
        except asyncio.CancelledError:
            future.cancel()
            raise
        try:
            return waiter.result()
        except pebble.ProcessExpired as exc:
            raise WorkerLost(str(exc)) from None
        except concurrent.futures.CancelledError:  # stopped by close()
            raise WorkerLost("the server is shutting down") from None

    def close(self, timeout: float = 5.0) -> None:
        """Stop taking work, let running checks finish for up to ``timeout`` s, then stop."""
        self._pool.close()
        try:
            self._pool.join(timeout=timeout)
        except TimeoutError:
            logger.warning("check workers still busy after %.1f s; stopping them", timeout)
            self._pool.stop()
            self._pool.join()
