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

from drcp_multi.conf import (
    POOL_DEFAULTS,
    drcp_setting,
    tenancy_mode,
    tenant_alias,
    tenant_catalog,
    tenant_not_found,
)
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


def _tenant_classes_and_pool_max() -> tuple[int | None, int]:
    """How many tenants a static catalog lists (None for a dynamic catalog: unbounded), and the tenant
    alias's POOL['max']."""
    pool = (settings.DATABASES.get(tenant_alias(), {}).get("POOL") or {})
    pool_max = pool.get("max", POOL_DEFAULTS["max"])
    if tenant_catalog() is not None:
        return None, pool_max if isinstance(pool_max, int) else POOL_DEFAULTS["max"]
    static = drcp_setting("TENANTS")
    count = len(static) if isinstance(static, dict) else 0
    return count, pool_max if isinstance(pool_max, int) else POOL_DEFAULTS["max"]


@register(Tags.compatibility)
def check_thin_mode_capacity(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Configurations where the thin driver turns checkouts into logins (docs/tenancy.md has the numbers):

    * E120 ``shared_pool`` with more tenant classes than ``POOL['max']`` (or a dynamic catalog): a checkout
      for a class with no idle connection drops one and logs in anew, serially, on the pool's one
      background thread — about one login per checkout, slower than a connection per request;
    * W121 ``pool_per_tenant`` with more static tenants than ``MAX_LIVE_POOLS``: under even load about
      1 - MAX_LIVE_POOLS / tenants of checkouts rebuild an evicted pool (a login each).
    """
    try:
        mode = tenancy_mode()
    except Exception:  # reported by E009
        return []
    count, pool_max = _tenant_classes_and_pool_max()
    messages: list[CheckMessage] = []
    if mode == "shared_pool" and oracledb.is_thin_mode() and (count is None or count > pool_max):
        many = "a dynamic catalog (any number of tenants)" if count is None else f"{count} tenants"
        messages.append(
            Error(
                f"DRCP_MULTI['TENANCY_MODE'] is 'shared_pool' with {many} on POOL['max']={pool_max}: in thin "
                "mode a checkout for a class with no idle connection drops one and logs in again, one login "
                "at a time on the pool's background thread (about 1 / (login + new session) requests/s, "
                "measured 22 req/s against 63 for a connection per request in bench/side_by_side.py).",
                hint="Use 'shared_class' (tenants share the alias's class, stamped in CLIENT_IDENTIFIER) or "
                "'pool_per_tenant' (a pool per tenant class), or keep the tenant classes <= POOL['max'].",
                obj=WHERE,
                id="drcp_multi.E120",
            )
        )
    cap = drcp_setting("MAX_LIVE_POOLS")
    if mode == "pool_per_tenant" and isinstance(cap, int) and count is not None and count > cap:
        messages.append(
            Warning(
                f"DRCP_MULTI['MAX_LIVE_POOLS'] is {cap} for {count} tenants in 'pool_per_tenant': with all "
                f"of them active about {1 - cap / count:.0%} of checkouts rebuild an evicted pool, a login "
                "each.",
                hint=f"Raise MAX_LIVE_POOLS to {count} (a thread and a socket per pool), leave it None and "
                "let POOL_IDLE_TIMEOUT close idle pools, or use TENANCY_MODE 'shared_class'.",
                obj=WHERE,
                id="drcp_multi.W121",
            )
        )
    return messages
