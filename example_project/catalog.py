"""The example's tenant catalog for drcp_multi (``DRCP_MULTI["TENANT_CATALOG"]``).

Backed by :mod:`example_project.tenant_store`, so it is persistent and shared across processes without a
database table: ``python -m example_project.manage tenants add umbrella`` (drcp_multi's command) and the
"Add a tenant" form both write it, and a running server serves the new tenant on its next request.
"""

from __future__ import annotations

from typing import Any

from drcp_multi.tenancy.catalog import Tenant, TenantCatalog, build_tenant
from example_project import tenant_store


class FileCatalog(TenantCatalog):
    persistent = True  # a file shared by every process: `manage tenants add` reaches running servers
    async_safe = False  # a lookup may stat and read the file

    def lookup(self, name: str) -> Tenant | None:
        spec = tenant_store.spec_of(name)
        return None if spec is None else build_tenant(name, spec)

    def all(self) -> list[Tenant]:
        return [build_tenant(name, tenant_store.spec_of(name) or {}) for name in tenant_store.all_tenants()]

    def add(self, name: str, **spec: Any) -> Tenant:
        """Validate (drcp_multi's rules and the example's), then persist. ValueError if it exists."""
        tenant = build_tenant(name, spec)
        if not tenant_store.add_tenant(name, {k: v for k, v in spec.items() if v is not None}):
            raise ValueError(f"tenant {name!r} already exists")
        return tenant
