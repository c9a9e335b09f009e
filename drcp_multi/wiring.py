"""Where the layers meet that must not import each other: the registry gets the tenant limiter as its
admission hook and listens to the catalog's :data:`~drcp_multi.signals.tenant_disabled`. Called by the
backend on import and by the app config, so it holds whether or not ``"drcp_multi"`` is installed."""

from __future__ import annotations

from typing import Any

from drcp_multi.limits import get_limiter
from drcp_multi.registry import get_registry
from drcp_multi.signals import tenant_disabled
from drcp_multi.tenant import Tenant


def close_pools_of(sender: object, tenant: Tenant, **kwargs: Any) -> None:
    """``tenant_disabled`` receiver: drain and close the tenant's pools in this process."""
    get_registry().close(tenant=tenant.name)


def connect_layers() -> None:
    """Wire the registry to the limiter and to the catalog's signals (idempotent)."""
    get_registry().set_admission(get_limiter())
    tenant_disabled.connect(close_pools_of, dispatch_uid="drcp_multi.close_pools_of")
