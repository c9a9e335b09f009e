"""Where the layers meet that must not import each other: the registry gets the tenant limiter and the
alias cap as its admission hook and listens to the catalog's :data:`~drcp_multi.signals.tenant_disabled`.
Called by the backend on import and by the app config, so it holds whether or not ``"drcp_multi"`` is
installed."""

from __future__ import annotations

from typing import Any

from drcp_multi.limits import AdmissionChain, get_alias_cap, get_limiter
from drcp_multi.registry import get_registry
from drcp_multi.signals import tenant_disabled
from drcp_multi.tenant import Tenant


def close_pools_of(sender: object, tenant: Tenant, **kwargs: Any) -> None:
    """``tenant_disabled`` receiver: drain and close the tenant's pools in this process."""
    get_registry().close(tenant=tenant.name)


def connect_layers() -> None:
    """Wire the registry to the limiter and to the catalog's signals (idempotent)."""
    # The tenant's max_busy first, then the alias cap (DRCP_MULTI['ALIAS_LIMITS']; a dict lookup for an
    # alias without one), so a tenant at its own cap never holds a place in the alias's queue.
    registry = get_registry()
    registry.set_admission(AdmissionChain(get_limiter(), get_alias_cap()))
    # New alias limits change which routes the admission applies to: the registry asks again.
    get_alias_cap().add_change_listener(registry.admission_changed)
    tenant_disabled.connect(close_pools_of, dispatch_uid="drcp_multi.close_pools_of")
