from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from example_project.tasks.probe import served_by as probe
from example_project.tasks.urls_util import site_url, tenant_base


def served_by(request: HttpRequest) -> dict[str, Any]:
    """Every page says which tenant, DRCP class and pooled server session served it."""
    info = getattr(request, "_served_by", None)
    if info is None:
        info = probe()
        request._served_by = info  # type: ignore[attr-defined]  # once per request, however many renders
    return {
        "served_by": info,
        "tenant_base": tenant_base(request),
        "site_url": site_url(request),
        "dashboard_url": site_url(request, "/dashboard/"),
    }
