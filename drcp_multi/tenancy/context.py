"""The current tenant and tracing attributes, in ContextVars: each thread and asyncio task sees its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from drcp_multi.tenancy.catalog import Tenant


@dataclass(frozen=True)
class TraceAttributes:
    """What the backend stamps on each checkout (piggybacked by the driver, no extra round trip)."""

    client_identifier: str | None = None
    module: str | None = None
    action: str | None = None


_current_tenant: ContextVar[Tenant | None] = ContextVar("drcp_multi_tenant", default=None)
_trace: ContextVar[TraceAttributes | None] = ContextVar("drcp_multi_trace", default=None)


def get_current_tenant() -> Tenant | None:
    """The tenant of the running request or ``tenant_context()`` block, or None."""
    return _current_tenant.get()


def get_trace_attributes() -> TraceAttributes | None:
    return _trace.get()


@contextmanager
def tenant_context(tenant: Tenant | None, trace: TraceAttributes | None = None) -> Iterator[Tenant | None]:
    """Run a block as ``tenant``; nestable, restored on exit even when the block raises."""
    token = _current_tenant.set(tenant)
    trace_token = _trace.set(trace) if trace is not None else None
    try:
        yield tenant
    finally:
        if trace_token is not None:
            _trace.reset(trace_token)
        _current_tenant.reset(token)
