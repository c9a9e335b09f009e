"""``TenantRouter``: reads, writes and migrations follow the current tenant.

Add ``"drcp_multi.routers.TenantRouter"`` to ``DATABASE_ROUTERS``. Models of ``SHARED_APPS`` (auth,
contenttypes, sessions, admin and the tenant catalog by default) always go to ``SHARED_ALIAS``. Other
models go to the current tenant's alias; with no current tenant the router raises :class:`NoTenant`, or,
with ``DRCP_MULTI["NO_TENANT"] = "shared"``, uses the shared alias: it never picks another tenant's.
In modes "pool_per_tenant" and "shared_pool" tenants share an alias and differ by connection class, which
the backend applies on checkout; the router's answer is the same alias for all of them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Model

from drcp_multi.conf import no_tenant, shared_alias, tenancy_mode, tenant_alias
from drcp_multi.conf import shared_apps as conf_shared_apps
from drcp_multi.exceptions import NoTenant
from drcp_multi.tenancy.catalog import get_catalog
from drcp_multi.tenancy.context import get_current_tenant

__all__ = ["NoTenant", "TenantRouter", "shared_apps", "tenant_aliases"]


def shared_apps() -> frozenset[str]:
    """App labels served from the shared alias: ``SHARED_APPS`` plus a model catalog's own app."""
    apps = set(conf_shared_apps())
    model = getattr(get_catalog(), "model", None)
    if model is not None:
        apps.add(model._meta.app_label)
    return frozenset(apps)


def tenant_aliases() -> set[str]:
    """Aliases tenant apps migrate on when no tenant is active.

    A catalog that needs the database (a model) is never listed here: its table may not exist yet during
    the first ``migrate``. Mode "alias": the aliases of the tenants of a static catalog, or with a dynamic
    one every ``DATABASES`` alias but ``SHARED_ALIAS``. Other modes: ``TENANT_ALIAS`` plus any alias a
    static tenant names.
    """
    catalog = get_catalog()
    static = {t.alias for t in catalog.all()} if catalog.async_safe else set()
    if tenancy_mode() == "alias":
        return static if catalog.async_safe else set(settings.DATABASES) - {shared_alias()}
    return {tenant_alias(), *static}


class TenantRouter:
    """Database router for drcp_multi; see the module docstring for the rules."""

    def _alias_for(self, model: type[Model]) -> str:
        if model._meta.app_label in shared_apps():
            return shared_alias()
        tenant = get_current_tenant()
        if tenant is not None:
            return tenant.alias
        if no_tenant() == "shared":
            return shared_alias()
        raise NoTenant(
            f"{model._meta.label} is a tenant model and no tenant is active: run it inside "
            "tenant_context(...), behind TenantMiddleware, or with `manage.py tenant_command <tenant> ...`; "
            "or list its app in DRCP_MULTI['SHARED_APPS']"
        )

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return self._alias_for(model)

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return self._alias_for(model)

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        """Shared apps on the shared alias; tenant apps on the current tenant's alias, or, with no tenant
        active, on every alias some tenant uses (so plain ``migrate --database X`` works per alias)."""
        if app_label in shared_apps():
            return db == shared_alias()
        tenant = get_current_tenant()
        if tenant is not None:
            return db == tenant.alias
        return db in tenant_aliases() or (no_tenant() == "shared" and db == shared_alias())
