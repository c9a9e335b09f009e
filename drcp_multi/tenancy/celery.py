"""Carry the tenant into Celery tasks (optional: Celery is imported only when you connect it).

The publisher puts the current tenant's *name* in a message header (never the Tenant object: the worker
looks it up in its own catalog). The worker runs the task inside ``tenant_context(<that tenant>)``. A
queued task of a tenant since disabled fails: the base class raises UnknownTenant; with the signals
(whose errors Celery only logs) the task runs without a tenant, and TenantRouter refuses its queries.

Either connect the signal handlers once (e.g. in your Celery app module)::

    from drcp_multi.tenancy.celery import connect_signals
    connect_signals()

or give tasks the base class: ``@app.task(base=get_tenant_task_class())``.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import get_current_tenant, tenant_context

HEADER = "drcp_tenant"

# Tenant contexts entered by task_prerun, left by task_postrun, keyed by task id.
_active: dict[str, tenant_context] = {}


def pack_tenant_headers(
    headers: MutableMapping[str, Any] | None = None, tenant: Tenant | None = None
) -> MutableMapping[str, Any]:
    """``headers`` with the tenant's name added (the current tenant by default); unchanged if none.

    A header already set by the caller wins: ``apply_async(headers={HEADER: "other"})`` runs as "other".
    """
    headers = {} if headers is None else headers
    tenant = tenant or get_current_tenant()
    if tenant is not None:
        headers.setdefault(HEADER, tenant.name)
    return headers


def tenant_name_from_request(request: Any) -> str | None:
    """The tenant name a task message carries: from a Celery ``task.request`` or a headers mapping."""
    if isinstance(request, Mapping):
        return request.get(HEADER)
    value = getattr(request, HEADER, None)  # Celery copies message headers onto the request
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    return value


def task_tenant_context(request: Any) -> tenant_context:
    """``tenant_context`` for a task's request (no tenant if the message has none). Entering it raises
    UnknownTenant / InvalidTenantName when the named tenant is gone, disabled or malformed."""
    return tenant_context(tenant_name_from_request(request))


# -- signal handlers (celery.signals), plain functions so they can be tested without Celery -------------
def on_before_task_publish(headers: MutableMapping[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None:
        pack_tenant_headers(headers)


def on_task_prerun(task_id: str, task: Any, **kwargs: Any) -> None:
    ctx = task_tenant_context(task.request)
    ctx.__enter__()
    _active[task_id] = ctx


def on_task_postrun(task_id: str, **kwargs: Any) -> None:
    ctx = _active.pop(task_id, None)
    if ctx is not None:
        ctx.__exit__(None, None, None)


def connect_signals() -> None:
    """Connect the three handlers to Celery's signals (idempotent). Requires celery."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(on_before_task_publish, weak=False, dispatch_uid="drcp_multi.publish")
    task_prerun.connect(on_task_prerun, weak=False, dispatch_uid="drcp_multi.prerun")
    task_postrun.connect(on_task_postrun, weak=False, dispatch_uid="drcp_multi.postrun")


def get_tenant_task_class(base: type | None = None) -> type:
    """A Celery Task class that sends the caller's tenant and runs under it. Requires celery."""
    if base is None:
        from celery import Task  # lazy: Celery is an optional extra

        base = Task

    class TenantTask(base):  # type: ignore[misc, valid-type]
        abstract = True

        def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
            options["headers"] = pack_tenant_headers(options.get("headers"))
            return super().apply_async(args, kwargs, **options)

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with task_tenant_context(self.request):
                return super().__call__(*args, **kwargs)

    return TenantTask
