"""Signals of the tenant lifecycle (``django.dispatch.Signal``), sent with ``sender`` = the Tenant's class
and ``tenant`` = the :class:`~drcp_multi.tenancy.catalog.Tenant` (for ``tenant_deleted``, the tenant as it
was before it went).

- ``tenant_created(tenant, schema_created: bool)`` after :func:`drcp_multi.tenancy.lifecycle.create_tenant`
  added it to the catalog (and, when asked, created its Oracle user);
- ``tenant_migrated(tenant, result)`` in the process that ran ``migrate_tenants`` (whatever the executor),
  once per tenant whose migrations ran or were already applied; ``result`` is a
  :class:`~drcp_multi.tenancy.migration.UnitResult`;
- ``tenant_disabled(tenant)`` / ``tenant_deleted(tenant, schema_dropped: bool)``;
- ``tenant_activated(tenant)`` on entry into ``tenant_context(tenant)`` (each request behind the
  middleware, each Celery task), never for "no tenant". Receivers run on the request path: keep them cheap.
"""

from __future__ import annotations

from django.dispatch import Signal

tenant_created = Signal()
tenant_migrated = Signal()
tenant_disabled = Signal()
tenant_deleted = Signal()
tenant_activated = Signal()
