"""A cache ``KEY_FUNCTION`` that puts the current tenant in every key, so tenants never read each other's
entries from a shared cache::

    CACHES = {"default": {..., "KEY_FUNCTION": "drcp_multi.contrib.cache.make_key"}}

Keys made with no tenant active get ``_`` (a tenant name cannot start with ``_``), a key space of their
own shared by all tenants. ``cache.clear()`` still clears every tenant's entries: it is not a key.
"""

from __future__ import annotations

from typing import Any

from drcp_multi.tenancy.context import get_current_tenant

NO_TENANT = "_"


def tenant_key_prefix() -> str:
    tenant = get_current_tenant()
    return tenant.name if tenant is not None else NO_TENANT


def make_key(key: str, key_prefix: str, version: Any) -> str:
    """Django's default key (``prefix:version:key``) behind the tenant's name."""
    return f"{tenant_key_prefix()}:{key_prefix}:{version}:{key}"
