"""Graceful shutdown: stop taking work, let requests in flight finish, then close the pools.

A rolling deploy sends SIGTERM. Closing the pools at once (what interpreter exit does) cuts the requests
still running. :func:`drain` does it in order:

1. ``begin_drain()``: ``TenantMiddleware`` answers requests that *arrive* from now on with 503,
   ``Retry-After`` and ``Connection: close`` (the load balancer retries them on another instance), while
   requests already in flight go on, including their checkouts;
2. waits until no request is in flight, or ``DRCP_MULTI['DRAIN_TIMEOUT']`` seconds (default 30) pass;
3. ``PoolRegistry.drain(remaining)``: checkouts outside requests (threads, Celery) are refused with
   ``PoolClosed``, the registry waits for connections still out, then closes every pool.

Wire it to your server:

* **gunicorn** (it stops accepting and waits for requests in flight itself, up to ``graceful_timeout``),
  in ``gunicorn.conf.py``::

      from drcp_multi.lifecycle import gunicorn_child_exit as child_exit
      from drcp_multi.lifecycle import gunicorn_worker_exit as worker_exit

* **uvicorn / any ASGI server** (they stop accepting, wait for connections, then send ``lifespan``
  shutdown): ``application = drcp_multi.lifecycle.LifespanApp(get_asgi_application())``;
* **anything else** (mod_wsgi, a threaded server of your own): :func:`install_signal_handlers` at start-up:
  on SIGTERM it drains in a thread, then hands the signal to the handler that was there before.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from types import FrameType
from typing import Any

from asgiref.sync import sync_to_async

from drcp_multi.conf import drcp_setting
from drcp_multi.registry import get_registry

logger = logging.getLogger("drcp_multi.lifecycle")

DEFAULT_DRAIN_TIMEOUT = 30.0


def drain_timeout() -> float:
    value = drcp_setting("DRAIN_TIMEOUT")
    if value is None:
        return DEFAULT_DRAIN_TIMEOUT
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"DRCP_MULTI['DRAIN_TIMEOUT'] must be a finite number of seconds >= 0, not {value!r}"
        )
    return float(value)


class RequestGate:
    """Counts requests in flight and refuses new ones while draining (thread-safe, one per process)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._in_flight = 0
        self._draining = False
        self.refused = 0

    def enter(self) -> bool:
        """A request arrives: False (refuse it) while draining."""
        with self._cond:
            if self._draining:
                self.refused += 1
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self._in_flight -= 1
            if self._in_flight <= 0:
                self._cond.notify_all()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def draining(self) -> bool:
        return self._draining

    def begin_drain(self) -> None:
        with self._cond:
            self._draining = True

    def wait_idle(self, timeout: float) -> bool:
        """True when no request is in flight, waiting at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._in_flight > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def reset(self) -> None:
        """Serve again (tests; a forked child starts fresh)."""
        with self._cond:
            self._draining = False
            self._in_flight = 0
            self.refused = 0


_gate = RequestGate()


def get_request_gate() -> RequestGate:
    return _gate


def begin_drain() -> None:
    _gate.begin_drain()


def is_draining() -> bool:
    return _gate.draining


def drain(timeout: float | None = None) -> bool:
    """Stop new requests, wait for those in flight, then drain and close the pools (see the module text).
    True when everything finished within ``timeout`` (default ``DRAIN_TIMEOUT``)."""
    if timeout is None:
        timeout = drain_timeout()
    started = time.monotonic()
    _gate.begin_drain()
    requests_done = _gate.wait_idle(timeout)
    if not requests_done:
        logger.warning(
            "drain: %d request(s) still in flight after DRCP_MULTI['DRAIN_TIMEOUT']=%g s; closing the pools",
            _gate.in_flight,
            timeout,
        )
    remaining = max(0.0, timeout - (time.monotonic() - started))
    pools_done = bool(get_registry().drain(remaining))
    logger.info("drain of pid %d finished (clean: %s)", os.getpid(), requests_done and pools_done)
    return requests_done and pools_done


# -- gunicorn hooks -------------------------------------------------------------------------------------


def gunicorn_worker_exit(server: Any, worker: Any) -> None:
    """gunicorn ``worker_exit``: runs in the worker after it stopped serving (requests in flight have
    finished or ``graceful_timeout`` passed); gives the pools a last ``DRAIN_TIMEOUT`` to get their
    connections back, then closes them."""
    graceful = getattr(getattr(worker, "cfg", None), "graceful_timeout", None)
    timeout = drain_timeout() if graceful is None else min(drain_timeout(), float(graceful))
    drain(timeout)


def gunicorn_child_exit(server: Any, worker: Any) -> None:
    """gunicorn ``child_exit`` (in the arbiter): forget the dead worker's live gauges in Prometheus
    multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # the metrics extra; only in multiprocess mode

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


# -- ASGI lifespan --------------------------------------------------------------------------------------

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class LifespanApp:
    """Wraps an ASGI application (Django's ``ASGIHandler`` rejects ``lifespan``): answers the lifespan
    protocol and drains on shutdown, which ASGI servers send after their connections have closed."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await sync_to_async(drain, thread_sensitive=False)()
                except Exception as exc:
                    await send({"type": "lifespan.shutdown.failed", "message": type(exc).__name__})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return


# -- plain signal handling ------------------------------------------------------------------------------

_previous: dict[int, Any] = {}


def install_signal_handlers(signals: tuple[int, ...] = (signal.SIGTERM,)) -> None:
    """On each of ``signals``: drain in a thread, then re-deliver the signal to the handler installed
    before (default action: the process ends). Call from the main thread at start-up."""
    for signum in signals:
        _previous[signum] = signal.signal(signum, _on_signal)


_drained: set[int] = set()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if signum in _drained:  # sent again by the drain thread: now do what was done before us
        previous = _previous.get(signum, signal.SIG_DFL)
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        return
    if _gate.draining:
        return  # a second SIGTERM while draining: keep draining
    logger.info("signal %d: draining (DRCP_MULTI['DRAIN_TIMEOUT']=%g s)", signum, drain_timeout())
    _gate.begin_drain()

    def work() -> None:
        try:
            drain()
        finally:
            _drained.add(signum)
            os.kill(os.getpid(), signum)  # handlers run in the main thread: let it take over

    threading.Thread(target=work, name="drcp_multi-drain", daemon=True).start()


def _after_fork_in_child() -> None:
    _gate.reset()


os.register_at_fork(after_in_child=_after_fork_in_child)
