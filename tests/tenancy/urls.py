"""Views for the middleware tests: each reports the tenant and trace attributes it runs under."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.db import OperationalError
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import path

from drcp_multi.limits import TenantBusy
from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import get_current_tenant, get_trace_attributes, tenant_context


def seen() -> dict[str, object]:
    tenant = get_current_tenant()
    trace = get_trace_attributes()
    return {
        "tenant": tenant.name if tenant else None,
        "client_identifier": trace.client_identifier if trace else None,
        "module": trace.module if trace else None,
        "action": trace.action if trace else None,
    }


def whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse(seen() | {"path_info": request.path_info})


async def awhoami(request: HttpRequest) -> JsonResponse:
    in_thread = await sync_to_async(seen)()
    return JsonResponse(seen() | {"in_thread": in_thread})


def switch(request: HttpRequest) -> JsonResponse:
    with tenant_context("globex"):
        inner = seen()
    return JsonResponse({"inner": inner, "after": seen()})


def boom(request: HttpRequest) -> JsonResponse:
    raise ValueError("view failed")


def busy(request: HttpRequest) -> JsonResponse:
    # What a checkout inside the ORM raises: Django's wrapper re-raises the driver-level error.
    tenant = get_current_tenant() or Tenant(name="x", alias="default", cclass="X")
    try:
        raise TenantBusy(tenant, 0.5)
    except TenantBusy as exc:
        raise OperationalError(*exc.args) from exc


def stream(request: HttpRequest) -> StreamingHttpResponse:
    # Chunks are made lazily, while the server sends them: after the middleware has returned.
    return StreamingHttpResponse(f"{seen()['tenant']},{seen()['action']};" for _ in range(3))


async def astream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(3):
            yield f"{seen()['tenant']};"

    return StreamingHttpResponse(chunks())


urlpatterns = [
    path("stream/", stream, name="stream"),
    path("astream/", astream, name="astream"),
    path("whoami/", whoami, name="whoami"),
    path("awhoami/", awhoami, name="awhoami"),
    path("switch/", switch, name="switch"),
    path("boom/", boom, name="boom"),
    path("busy/", busy, name="busy"),
]
