"""The URLconf for a request: the tenants' or the public one, chosen by TenantMiddleware.

``DRCP_MULTI["TENANT_URLCONF"]``: the URLconf for requests with a tenant (a dotted module path, or a
dict ``{tenant name: path}`` with an optional ``"*"`` for the others); ``DRCP_MULTI["PUBLIC_URLCONF"]``:
for requests with no tenant (``TENANT_REQUIRED = False``: the sign-up page, the marketing site). Unset:
``ROOT_URLCONF``, as without drcp_multi. The middleware sets ``request.urlconf``, which Django's handler
uses for resolving and for ``reverse()`` during that request.
"""

from __future__ import annotations

from collections.abc import Mapping

from drcp_multi.conf import drcp_setting
from drcp_multi.tenant import Tenant


def urlconf_for(tenant: Tenant | None) -> str | None:
    """The URLconf module path for a request of ``tenant`` (None: no tenant), or None for ROOT_URLCONF."""
    if tenant is None:
        public = drcp_setting("PUBLIC_URLCONF")
        return str(public) if public else None
    configured = drcp_setting("TENANT_URLCONF")
    if isinstance(configured, Mapping):
        chosen = configured.get(tenant.name, configured.get("*"))
        return str(chosen) if chosen else None
    return str(configured) if configured else None
