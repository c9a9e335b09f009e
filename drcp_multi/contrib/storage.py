"""File storage that keeps each tenant's files under a directory (and URL) of its own::

    STORAGES = {"default": {"BACKEND": "drcp_multi.contrib.storage.TenantFileSystemStorage"}}

A file saved as ``avatars/a.png`` by tenant ``acme`` lands in ``MEDIA_ROOT/acme/avatars/a.png`` and is
served from ``MEDIA_URL + "acme/avatars/a.png"``. With no tenant active, files go to ``_shared/`` (a
tenant name cannot start with ``_``). Django's own ``safe_join`` keeps a name like ``../globex/x`` from
leaving the tenant's directory (SuspiciousFileOperation).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.files.storage import FileSystemStorage

from drcp_multi.tenancy.context import get_current_tenant

SHARED_DIR = "_shared"


def tenant_directory() -> str:
    tenant = get_current_tenant()
    return tenant.name if tenant is not None else SHARED_DIR


class TenantFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose ``location`` and ``base_url`` follow the current tenant at each call."""

    # FileSystemStorage caches these per instance (cached_property); here they change with the tenant.
    @property
    def location(self) -> str:
        return os.path.abspath(os.path.join(super().base_location, tenant_directory()))

    @property
    def base_url(self) -> Any:
        base = FileSystemStorage.base_url.func(self)  # type: ignore[attr-defined]
        return None if base is None else f"{base}{tenant_directory()}/"
