"""Signals drcp_multi sends. Receivers get ``sender`` (the object that sent it) and the keyword arguments
listed with each; connect with ``@receiver(tenant_disabled)`` as with any Django signal.

The catalog tells the rest of the framework about a tenant going through these signals, not through
imports: the app config connects the pool registry to :data:`tenant_disabled`, so a disabled or removed
tenant's pools close in every layer that listens, and the catalog needs no knowledge of pools.
"""

from __future__ import annotations

from django.dispatch import Signal

#: A tenant was created (``tenant``: the new :class:`~drcp_multi.tenant.Tenant`; ``schema_created``: whether
#: its Oracle user was created too), by :func:`drcp_multi.tenancy.lifecycle.create_tenant`.
tenant_created = Signal()
#: A tenant's schema or tables were migrated (``tenant``, ``executor``: the executor's name, ``result``: the
#: :class:`~drcp_multi.tenancy.fleet.UnitResult`), sent by the process that ran ``migrate_tenants``.
tenant_migrated = Signal()
#: A tenant was disabled or removed from the catalog (``tenant``); its pools are closed in response.
tenant_disabled = Signal()
#: A tenant was deleted (``tenant``, ``dropped_schema``: whether its schema was dropped too).
tenant_deleted = Signal()
#: A ``tenant_context()`` block or a request was entered for ``tenant`` (never for "no tenant"; receivers
#: run on the request path).
tenant_activated = Signal()
