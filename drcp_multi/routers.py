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
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

from drcp_multi.tenancy.catalog import (
    get_catalog,
    get_shared_alias,
    get_tenancy_mode,
    get_tenant_alias,
    tenancy_setting,
)
from drcp_multi.tenancy.context import get_current_tenant

DEFAULT_SHARED_APPS = ("auth", "contenttypes", "sessions", "admin")


class NoTenant(RuntimeError):
    """A tenant model was used outside any tenant (no request tenant, no ``tenant_context()``)."""


def shared_apps() -> frozenset[str]:
    """App labels served from the shared alias: ``SHARED_APPS`` plus a model catalog's own app."""
    configured = tenancy_setting("SHARED_APPS", DEFAULT_SHARED_APPS)
    if isinstance(configured, str):  # set("auth") would be {"a", "u", "t", "h"}
        raise ImproperlyConfigured(
            f"DRCP_MULTI['SHARED_APPS'] is the string {configured!r}: write a list, [{configured!r}] "
            "(check drcp_multi.E109)"
        )
    apps = set(configured)
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
    if get_tenancy_mode() == "alias":
        return static if catalog.async_safe else set(settings.DATABASES) - {get_shared_alias()}
    return {get_tenant_alias(), *static}


class TenantRouter:
    """Database router for drcp_multi; see the module docstring for the rules."""

    def _alias_for(self, model: type[Model]) -> str:
        if model._meta.app_label in shared_apps():
            return get_shared_alias()
        tenant = get_current_tenant()
        if tenant is not None:
            return tenant.alias
        if tenancy_setting("NO_TENANT", "error") == "shared":
            return get_shared_alias()
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
            return db == get_shared_alias()
        tenant = get_current_tenant()
        if tenant is not None:
            return db == tenant.alias
        return db in tenant_aliases() or (
            tenancy_setting("NO_TENANT", "error") == "shared" and db == get_shared_alias()
        )
