"""A logging filter that adds the current tenant, its DRCP class and its alias to every record::

    LOGGING = {
        "filters": {"tenant": {"()": "drcp_multi.contrib.logging.TenantContextFilter"}},
        "formatters": {"plain": {"format": "%(tenant)s %(cclass)s %(alias)s %(levelname)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["tenant"], ...}},
    }

With no tenant active the three are ``-``. Records that already carry a ``tenant`` (``extra=``) keep it.
"""

from __future__ import annotations

import logging

from drcp_multi.tenancy.context import get_current_tenant

NONE = "-"


class TenantContextFilter(logging.Filter):
    """Adds ``record.tenant``, ``record.cclass`` and ``record.alias``; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        tenant = get_current_tenant()
        if not hasattr(record, "tenant"):
            record.tenant = tenant.name if tenant else NONE
            record.cclass = tenant.cclass if tenant else NONE
            record.alias = tenant.alias if tenant else NONE
        return True
