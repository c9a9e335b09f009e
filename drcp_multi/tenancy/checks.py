"""System checks of the tenancy settings (ids ``drcp_multi.E1xx`` / ``W1xx``), run by ``manage.py check``.

They read settings and import the configured dotted paths; they never query the database (a model
catalog is loaded, not listed). Registered when ``drcp_multi``'s AppConfig imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import oracledb
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

from drcp_multi.conf import drcp_setting, tenancy_mode, tenant_catalog, tenant_not_found
from drcp_multi.tenancy.catalog import build_tenant, load_catalog

MIDDLEWARE_PATH = "drcp_multi.middleware.TenantMiddleware"
ROUTER_PATH = "drcp_multi.routers.TenantRouter"
WHERE = "settings.DRCP_MULTI"


def shared_pool_supported(driver_version: str) -> bool:
    """Whether a thin python-oracledb of this version can change class per acquire on a full pool."""
    numbers = [int(n) for n in re.findall(r"\d+", driver_version)[:3]]
    return tuple(numbers) >= (4, 0, 2)


@register(Tags.compatibility)
def check_tenancy(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    try:
        mode = tenancy_mode()
    except Exception:  # reported by the core's check (drcp_multi.E009)
        return messages
    messages += _catalog_messages(mode)
    if mode == "shared_pool" and oracledb.is_thin_mode() and not shared_pool_supported(oracledb.__version__):
        messages.append(
            Error(
                f"DRCP_MULTI['TENANCY_MODE'] is 'shared_pool', which python-oracledb {oracledb.__version__} "
                "cannot serve in thin mode: asked for another connection class when the pool is full, it "
                "waits out POOL['wait_timeout'] instead of replacing an idle connection (fixed in 4.0.2).",
                hint="Upgrade python-oracledb to 4.0.2 or later, or use 'pool_per_tenant'.",
                obj=WHERE,
                id="drcp_multi.E108",
            )
        )
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE_PATH in middleware:
        messages += _middleware_messages(middleware)
    no_tenant = drcp_setting("NO_TENANT")
    if no_tenant not in ("error", "shared"):
        messages.append(
            Error(
                f"DRCP_MULTI['NO_TENANT'] is {no_tenant!r}.",
                hint="Use 'error' (raise NoTenant) or 'shared' (use SHARED_ALIAS).",
                obj=WHERE,
                id="drcp_multi.E105",
            )
        )
    return messages


def _catalog_messages(mode: str) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    spec = tenant_catalog()
    if spec is not None:
        try:
            load_catalog()
        except Exception as exc:
            messages.append(
                Error(
                    f"DRCP_MULTI['TENANT_CATALOG'] = {spec!r} cannot be loaded: {exc}",
                    hint="A dotted path to a TenantCatalog, a model or a callable, or (path, kwargs).",
                    obj=WHERE,
                    id="drcp_multi.E103",
                )
            )
        return messages
    tenants = drcp_setting("TENANTS")
    if not isinstance(tenants, dict):
        return [Error("DRCP_MULTI['TENANTS'] must be a dict {name: {...}}.", obj=WHERE, id="drcp_multi.E102")]
    for name, tenant_spec in tenants.items():
        try:
            tenant = build_tenant(name, tenant_spec)
        except Exception as exc:
            messages.append(
                Error(
                    f"DRCP_MULTI['TENANTS'][{name!r}]: {exc}",
                    hint="Keys: alias, cclass, purity, max_busy, enabled.",
                    obj=WHERE,
                    id="drcp_multi.E102",
                )
            )
            continue
        if tenant.alias not in settings.DATABASES:
            messages.append(
                Error(
                    f"Tenant {name!r} uses DATABASES alias {tenant.alias!r}, which does not exist"
                    + (" (mode 'alias': a tenant's alias defaults to its name)." if mode == "alias" else "."),
                    hint="Add the alias to DATABASES or set the tenant's 'alias'.",
                    obj=WHERE,
                    id="drcp_multi.E104",
                )
            )
    return messages


def _middleware_messages(middleware: list[str]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    try:
        from drcp_multi.tenancy.resolvers import UserAttributeResolver, load_resolvers

        resolvers = load_resolvers()
    except Exception as exc:
        return [
            Error(
                f"DRCP_MULTI['RESOLVERS'] cannot be used: {exc}",
                hint="e.g. [('host', {'domain': 'example.com'})], ['header'], ['path'] or dotted paths.",
                obj=WHERE,
                id="drcp_multi.E101",
            )
        ]
    if ROUTER_PATH not in (getattr(settings, "DATABASE_ROUTERS", None) or []):
        messages.append(
            Warning(
                f"{MIDDLEWARE_PATH} is installed but {ROUTER_PATH} is not in DATABASE_ROUTERS.",
                hint="Without it, tenant models go to 'default' whatever the tenant's alias.",
                obj="settings.DATABASE_ROUTERS",
                id="drcp_multi.W101",
            )
        )
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    if any(isinstance(r, UserAttributeResolver) for r in resolvers) and (
        auth not in middleware or middleware.index(auth) > middleware.index(MIDDLEWARE_PATH)
    ):
        messages.append(
            Error(
                "A 'user' resolver needs AuthenticationMiddleware before TenantMiddleware.",
                hint="Move drcp_multi.middleware.TenantMiddleware after AuthenticationMiddleware.",
                obj="settings.MIDDLEWARE",
                id="drcp_multi.E106",
            )
        )
    handler = tenant_not_found()
    if isinstance(handler, str):
        try:
            import_string(handler)
        except ImportError as exc:
            messages.append(
                Error(
                    f"DRCP_MULTI['TENANT_NOT_FOUND'] = {handler!r} cannot be imported: {exc}",
                    obj=WHERE,
                    id="drcp_multi.E107",
                )
            )
    return messages
