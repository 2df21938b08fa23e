"""Thread pools whose threads never hold the process open.

``ThreadPoolExecutor`` joins its threads at interpreter exit, so one activity stuck in a network call
kept a stopped host alive. These threads are daemons: what is still running when the host stops is
abandoned uncommitted and redone on the next start, as after a crash.
"""

from __future__ import annotations

import asyncio
import functools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

T = TypeVar("T")


class DaemonPool(Executor):
    """A fixed number of daemon threads taking work from one queue; usable wherever an Executor is."""

    def __init__(self, size: int, name: str) -> None:
        self._work: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None]
        self._work = queue.SimpleQueue()
        self._stopped = False
        self._size = size
        for n in range(size):
            threading.Thread(target=self._serve, name=f"{name}-{n}", daemon=True).start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self._stopped:
            raise RuntimeError("the pool is stopped")
        future: Future[Any] = Future()
        self._work.put((future, fn, args, kwargs))
        return future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a pool thread, awaited from the event loop, which serves other requests meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self, functools.partial(fn, *args))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking work; threads finish what they run (never waited for) and end."""
        self._stopped = True
        while cancel_futures:
            try:
                item = self._work.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in range(self._size):
            self._work.put(None)

    def _serve(self) -> None:
        while (item := self._work.get()) is not None:
            future, fn, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
