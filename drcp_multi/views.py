"""Views a project can route to or replace: health probes, the Prometheus scrape, refused tenants.

``drcp_multi.urls`` routes the operational ones (``include("drcp_multi.urls")``): ``health/live``,
``health/ready``, ``metrics``. The tenant pages are what ``TenantMiddleware`` answers by default for an
unknown or disabled tenant (404) and a malformed one (400); replace them with ``DRCP_MULTI
['TENANT_NOT_FOUND']`` / ``['TENANT_BAD_REQUEST']`` (a view ``(request, exc)`` or its dotted path, as
django-tenants' ``DEFAULT_NOT_FOUND_TENANT_VIEW``), or override the templates
``drcp_multi/tenant_not_found.html`` and ``drcp_multi/bad_tenant.html``.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import escape
from django.views.decorators.cache import never_cache

from drcp_multi.health import check_health
from drcp_multi.lifecycle import is_draining
from drcp_multi.metrics import metrics_view as metrics_view  # re-exported for drcp_multi.urls

NOT_FOUND_TEMPLATE = "drcp_multi/tenant_not_found.html"
BAD_TENANT_TEMPLATE = "drcp_multi/bad_tenant.html"


def _page(request: HttpRequest, template: str, title: str, reason: str, status: int) -> HttpResponse:
    context = {"title": title, "reason": reason, "status": status}
    body: str
    try:
        body = render_to_string(template, context, request=request)
    except TemplateDoesNotExist:  # the app's templates are not loaded (no APP_DIRS): a plain page
        body = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(reason)}</p>"
    return HttpResponse(body, status=status)


def tenant_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    """404 for a tenant that is unknown or disabled, or none named where one is required."""
    name = getattr(exc, "name", "") or ""
    reason = (
        f"There is no active tenant {name!r} here."
        if name
        else "This address names no tenant (DRCP_MULTI['TENANT_REQUIRED'] is on)."
    )
    return _page(request, NOT_FOUND_TEMPLATE, "Tenant not found", reason, 404)


def bad_tenant(request: HttpRequest, exc: Exception) -> HttpResponse:
    """400 for a tenant reference that is not a valid name (bad Host, header or path)."""
    return _page(request, BAD_TENANT_TEMPLATE, "Bad tenant", str(exc), 400)


@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (no database call); 503 while draining for shutdown."""
    draining = is_draining()
    return JsonResponse(
        {"status": "draining" if draining else "ok", "draining": draining}, status=503 if draining else 200
    )


@never_cache
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: one cheap round trip per DRCP alias within the deadline, the broker reachable; JSON
    (never a password); 503 when anything fails or while draining."""
    report = check_health()
    return HttpResponse(
        json.dumps(report.as_dict(), indent=1),
        status=200 if report.ok else 503,
        content_type="application/json",
    )
