"""The current tenant and tracing attributes, in ContextVars: each thread and asyncio task sees its own.

Propagation, as tested in ``tests/tenancy/test_context.py``:

- asyncio tasks copy the context when created, so a task started inside ``tenant_context()`` keeps it;
- asgiref's ``sync_to_async`` and ``async_to_sync`` carry the context both ways (no helper needed);
- ``asyncio.to_thread`` copies the context, but ``loop.run_in_executor`` and a plain
  ``ThreadPoolExecutor.submit`` do not: use :func:`submit_with_context`, :func:`wrap_with_context` or
  :class:`TenantThreadPoolExecutor` there;
- Celery tasks: see :mod:`drcp_multi.tenancy.celery`.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar, Token
from dataclasses import replace
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import iscoroutinefunction

from drcp_multi.signals import tenant_activated
from drcp_multi.tenancy.catalog import get_tenant
from drcp_multi.tenant import Tenant, TraceAttributes

__all__ = [
    "TenantThreadPoolExecutor",
    "TraceAttributes",
    "get_current_tenant",
    "get_trace_attributes",
    "submit_with_context",
    "tenant_context",
    "update_trace_attributes",
    "wrap_with_context",
]

P = ParamSpec("P")
R = TypeVar("R")


_current_tenant: ContextVar[Tenant | None] = ContextVar("drcp_multi_tenant", default=None)
_trace: ContextVar[TraceAttributes | None] = ContextVar("drcp_multi_trace", default=None)


def get_current_tenant() -> Tenant | None:
    """The tenant of the running request or ``tenant_context()`` block, or None."""
    return _current_tenant.get()


def get_trace_attributes() -> TraceAttributes | None:
    """The tracing attributes the backend should stamp on the next checkout, or None."""
    return _trace.get()


def update_trace_attributes(**changes: str | None) -> TraceAttributes:
    """Change some trace attributes in the current context (e.g. ``action`` once the view is known).

    No token is returned: the enclosing ``tenant_context()`` (or the middleware) restores the value it
    found on exit, which also undoes this change.
    """
    new = replace(_trace.get() or TraceAttributes(), **changes)
    _trace.set(new)
    return new


class tenant_context:  # lower case: used like a function, as contextlib's helpers are
    """Run a block, a function or a coroutine function as ``tenant``; nestable, restored on exit.

    ``tenant`` is a :class:`Tenant`, a tenant name (looked up in the catalog on entry: raises
    :class:`~drcp_multi.tenancy.catalog.UnknownTenant` or
    :class:`~drcp_multi.tenancy.catalog.InvalidTenantName`), or None for "no tenant". ``trace`` replaces
    the tracing attributes for the block; by default they become ``client_identifier=<tenant name>`` with
    the enclosing module and action kept.

    As a decorator each call enters afresh, so a decorated function may run in many threads or tasks at
    once and may recurse. One instance used as a context manager may be re-entered (nested), but not by
    two threads or tasks at once: create one per ``with`` there, as with ``contextlib`` helpers.
    """

    def __init__(self, tenant: Tenant | str | None, trace: TraceAttributes | None = None) -> None:
        self._tenant = tenant
        self._trace_arg = trace
        self._tokens: list[tuple[Token[Tenant | None], Token[TraceAttributes | None]]] = []

    def __enter__(self) -> Tenant | None:
        tenant = self._tenant
        if isinstance(tenant, str):
            tenant = get_tenant(tenant)
        trace = self._trace_arg
        if trace is None:
            trace = replace(
                _trace.get() or TraceAttributes(), client_identifier=tenant.name if tenant else None
            )
        self._tokens.append((_current_tenant.set(tenant), _trace.set(trace)))
        if tenant is not None and tenant_activated.receivers:
            # A receiver that raises leaves the block unentered, as a failed lookup would.
            try:
                tenant_activated.send(sender=Tenant, tenant=tenant)
            except BaseException:
                self.__exit__(None, None, None)
                raise
        return tenant

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        tenant_token, trace_token = self._tokens.pop()
        _trace.reset(trace_token)
        _current_tenant.reset(tenant_token)

    def _fresh(self) -> tenant_context:
        return type(self)(self._tenant, self._trace_arg)

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            # Its body runs while the caller iterates, after the block would have been left: as the
            # caller's tenant, not this one.
            raise TypeError(
                f"tenant_context cannot decorate the generator function {func.__qualname__}: its body "
                "runs when it is iterated, outside the decorator. Enter the block inside it instead: "
                "`with tenant_context(...):` around the body."
            )
        if iscoroutinefunction(func):  # asgiref's: also true for markcoroutinefunction'd callables

            @functools.wraps(func)
            async def async_inner(*args: P.args, **kwargs: P.kwargs) -> Any:
                with self._fresh():
                    return await func(*args, **kwargs)

            return async_inner  # type: ignore[return-value]

        @functools.wraps(func)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            with self._fresh():
                return func(*args, **kwargs)

        return inner


def wrap_with_context(func: Callable[P, R]) -> Callable[P, R]:
    """Bind ``func`` to a copy of the current context (tenant and trace included), for another thread.

    Copy once per call site: a Context may be entered by one thread at a time, so a wrapped function
    must not run in two threads at once.
    """
    ctx = contextvars.copy_context()

    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        return ctx.run(func, *args, **kwargs)

    return inner


def submit_with_context(
    executor: ThreadPoolExecutor, func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
) -> Future[R]:
    """``executor.submit(func, …)`` with the caller's context (tenant included) in the worker thread."""
    # typeshed cannot carry Context.run's ParamSpec through submit(); the call is the documented one.
    return executor.submit(contextvars.copy_context().run, func, *args, **kwargs)  # type: ignore[arg-type]


class TenantThreadPoolExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor whose ``submit`` (and so ``map``) runs each call in the submitter's context.

    Also fit for ``loop.run_in_executor(executor, …)``, which on its own does not copy the context.
    """

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        ctx = contextvars.copy_context()
        return super().submit(ctx.run, fn, *args, **kwargs)  # type: ignore[arg-type]
