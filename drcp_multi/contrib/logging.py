"""A logging filter that adds the current tenant, the DRCP class its sessions run under and its alias to
every record::

    LOGGING = {
        "filters": {"tenant": {"()": "drcp_multi.contrib.logging.TenantContextFilter"}},
        "formatters": {"plain": {"format": "%(tenant)s %(cclass)s %(alias)s %(levelname)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["tenant"], ...}},
    }

``cclass`` is the class the database sees, as the backend's checkout asks for it: the tenant's own, or in
mode "shared_class" its alias's (the tenant is then in ``CLIENT_IDENTIFIER``). With no tenant active the
three are ``-``. Records that already carry a ``tenant`` (``extra=``) keep it.
"""

from __future__ import annotations

import logging

from drcp_multi.exceptions import ConfigurationError
from drcp_multi.routing import route_for
from drcp_multi.tenancy.context import get_current_tenant

NONE = "-"


class TenantContextFilter(logging.Filter):
    """Adds ``record.tenant``, ``record.cclass`` and ``record.alias``; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "tenant"):
            return True
        tenant = get_current_tenant()
        if tenant is None:
            record.tenant = record.cclass = record.alias = NONE
            return True
        record.tenant, record.alias = tenant.name, tenant.alias
        try:
            record.cclass = route_for(tenant.alias, tenant).session_cclass  # cached per tenant
        except (KeyError, ConfigurationError):  # an alias missing from DATABASES or invalid: log anyway
            record.cclass = tenant.cclass
        return True
