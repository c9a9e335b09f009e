"""Which pool a checkout uses, and under which class and purity: a tenant and a ``DATABASES`` entry in, a
:class:`~drcp_multi.registry.Route` out, computed once per settings change and tenant (the backend asks on
every checkout, so the answer is cached).

By ``DRCP_MULTI['TENANCY_MODE']``, for a tenant on an alias:

* ``"pool_per_tenant"``: a pool per (alias, tenant) logging in with the tenant's class;
* ``"shared_class"``: the alias's own pool and class for every tenant (pooled servers shared, no DRCP miss
  between tenants); the tenant is stamped in ``CLIENT_IDENTIFIER`` on every checkout by the trace
  attributes;
* ``"shared_pool"`` and ``"alias"``: the alias's pool, the tenant's class asked per acquire when it
  differs from the alias's.

A tenant whose purity differs from its alias's gets a pool of its own in every mode: purity travels in the
login in thin mode, so a per-acquire purity would not reach the server (DESIGN §6).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import oracledb
from django.views.decorators.debug import sensitive_variables

from drcp_multi.conf import cclass_prefix, tenancy_mode
from drcp_multi.poolconfig import PoolConfig, get_pool_config
from drcp_multi.registry import PoolRegistry, Route, get_registry
from drcp_multi.tenancy.context import get_trace_attributes
from drcp_multi.tenant import NO_TRACE, Tenant, TraceAttributes
from drcp_multi.validation import validate_cclass

_lock = threading.Lock()
# (alias, id(tenant)) -> (config, tenant, route): identity checks make a hit two comparisons.
_routes: dict[tuple[str, int], tuple[PoolConfig, Tenant | None, str, Route]] = {}


def build_route(config: PoolConfig, tenant: Tenant | None) -> Route:
    """The route of ``tenant``'s checkouts on the alias of ``config`` (no cache; see :func:`route_for`)."""
    key_base = (config.alias, None, config.user, config.dsn)
    if tenant is None:
        return Route(key_base, config, config.cclass, config.purity)
    mode = tenancy_mode()
    cclass = validate_cclass(tenant.cclass or f"{cclass_prefix()}{tenant.name}", "tenant connection class")
    purity = oracledb.Purity(tenant.purity) if tenant.purity is not None else config.purity
    if mode == "shared_class":
        cclass = config.cclass
    if mode == "pool_per_tenant" or purity != config.purity:
        key = (config.alias, tenant.name, config.user, config.dsn)
        return Route(key, config, cclass, purity, tenant.name)
    if cclass != config.cclass:
        return Route(key_base, config, config.cclass, config.purity, tenant.name, cclass, purity)
    return Route(key_base, config, config.cclass, config.purity, tenant.name)


@sensitive_variables("settings_dict")
def route_for(alias: str, tenant: Tenant | None, settings_dict: Mapping[str, Any] | None = None) -> Route:
    """The (cached) route of ``tenant``'s checkouts on ``alias``. Raises ConfigurationError for invalid
    settings or an invalid tenant class."""
    config = get_pool_config(alias, settings_dict)
    mode = tenancy_mode()
    cache_key = (alias, id(tenant))
    cached = _routes.get(cache_key)
    if cached is not None and cached[0] is config and cached[1] is tenant and cached[2] == mode:
        return cached[3]
    route = build_route(config, tenant)
    with _lock:
        if len(_routes) > 10_000:  # tenants come and go: never grow without bound
            _routes.clear()
        _routes[cache_key] = (config, tenant, mode, route)
    return route


def acquire_for(
    alias: str,
    tenant: Tenant | None = None,
    *,
    trace: TraceAttributes | None = None,
    settings_dict: Mapping[str, Any] | None = None,
    registry: PoolRegistry | None = None,
) -> oracledb.Connection:
    """A connection of ``alias`` for ``tenant`` from ``registry`` (the process's by default), stamped with
    ``trace`` (default: the current context's): what the backend does on every checkout, for code that
    uses the driver directly. Release it with ``registry.release(conn)``."""
    route = route_for(alias, tenant, settings_dict)
    stamp = trace if trace is not None else (get_trace_attributes() or NO_TRACE)
    return (registry or get_registry()).acquire(route, stamp, tenant)


def reset_routes() -> None:
    with _lock:
        _routes.clear()
