"""``TenantMiddleware``: resolve the request's tenant, run the request under it, reset afterwards.

Sync and async capable. Per request it:

1. asks ``RESOLVERS`` for the tenant (first non-None answer) and looks the name up in the catalog;
   a malformed Host/header/path → 400 (``BadRequest``), an unknown or disabled tenant → 404
   (``Http404``) or ``TENANT_NOT_FOUND(request, exc)``; no tenant named at all → the same, unless
   ``TENANT_REQUIRED`` is False (then the request runs without a tenant). Never a default tenant.
2. sets the tenant and the trace attributes (client_identifier = tenant, module = ``TRACE_MODULE`` or
   the view's app label, action = the URL name) in ContextVars, which the backend reads on
   checkout, and ``request.tenant``;
3. resets both when the response is returned, also when the view raised; a streaming response's
   content is produced later, by the server, so each chunk is made under the tenant again;
4. answers :class:`~drcp_multi.limits.TenantBusy` from the view with 503 and ``Retry-After``.

Put it after AuthenticationMiddleware when a user-based resolver is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.apps import apps
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from drcp_multi.conf import tenant_not_found, tenant_required, trace_module
from drcp_multi.contrib.urls import urlconf_for
from drcp_multi.exceptions import InvalidTenantName, UnknownTenant
from drcp_multi.limits import TenantBusy
from drcp_multi.tenancy.catalog import get_catalog
from drcp_multi.tenancy.context import (
    TraceAttributes,
    get_trace_attributes,
    tenant_context,
    update_trace_attributes,
)
from drcp_multi.tenancy.resolvers import MalformedTenant, load_resolvers, resolve_tenant_ref
from drcp_multi.tenant import Tenant

# Oracle truncates these silently (DBMS_APPLICATION_INFO: module 48 bytes, action 32); cut them here so
# what a test or a V$SESSION reader sees is what we meant.
MODULE_MAX = 48
ACTION_MAX = 32


def _app_of(view_func: Callable[..., Any]) -> str | None:
    """The label of the installed app whose module holds the view, else the module's top-level package."""
    module = getattr(view_func, "__module__", None) or ""
    config = apps.get_containing_app_config(module) if module else None
    return (config.label if config is not None else module.partition(".")[0])[:MODULE_MAX] or None


def find_tenant_busy(exc: BaseException | None) -> TenantBusy | None:
    """``exc`` or the TenantBusy it was raised from: Django's DB error wrapper re-raises driver errors
    (ours is an ``oracledb.OperationalError``) as ``django.db.OperationalError`` ``from`` the original."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, TenantBusy):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _iter_as(tenant: Tenant | None, trace: TraceAttributes | None, chunks: Iterable[Any]) -> Iterator[Any]:
    it = iter(chunks)
    while True:
        with tenant_context(tenant, trace):  # only while the chunk is made: nothing leaks between chunks
            try:
                chunk = next(it)
            except StopIteration:
                return
        yield chunk


async def _aiter_as(
    tenant: Tenant | None, trace: TraceAttributes | None, chunks: AsyncIterator[Any]
) -> AsyncIterator[Any]:
    it = aiter(chunks)
    while True:
        with tenant_context(tenant, trace):
            try:
                chunk = await anext(it)
            except StopAsyncIteration:
                return
        yield chunk


def keep_tenant_for_streaming(response: HttpResponse, tenant: Tenant | None) -> HttpResponse:
    """Make a streaming response produce its chunks under ``tenant`` (and the current trace attributes):
    the server iterates it after the middleware has returned and reset the context."""
    if getattr(response, "streaming", False):
        trace = get_trace_attributes()
        content = response.streaming_content  # type: ignore[attr-defined]
        wrapped = _aiter_as if response.is_async else _iter_as  # type: ignore[attr-defined]
        response.streaming_content = wrapped(tenant, trace, content)  # type: ignore[attr-defined]
    return response


class TenantMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.resolvers = load_resolvers()
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)
            # Django would run a sync process_view through sync_to_async: a thread hop per request.
            self.process_view = self._aprocess_view  # type: ignore[method-assign, assignment]

    # -- resolution --------------------------------------------------------------------------------------
    def resolve(self, request: HttpRequest) -> Tenant | None:
        """The request's tenant; raises MalformedTenant, InvalidTenantName or UnknownTenant."""
        ref = resolve_tenant_ref(request, self.resolvers)
        if ref is None:
            if tenant_required():
                raise UnknownTenant("")
            return None
        if isinstance(ref, Tenant):  # a resolver that builds the tenant itself skips the catalog
            if not ref.enabled:
                raise UnknownTenant(ref.name)
            return ref
        return get_catalog().get(ref)

    def _resolution_async_safe(self) -> bool:
        return get_catalog().async_safe and all(r.async_safe for r in self.resolvers)

    def not_found(self, request: HttpRequest, exc: UnknownTenant) -> HttpResponse:
        """``TENANT_NOT_FOUND(request, exc)`` if configured, else raise Http404."""
        handler = tenant_not_found()
        if handler is None:
            raise Http404(f"No tenant {exc.name!r}" if exc.name else "No tenant in this request")
        func = import_string(handler) if isinstance(handler, str) else handler
        return func(request, exc)  # type: ignore[no-any-return]

    # -- the request ---------------------------------------------------------------------------------------
    def _context(self, request: HttpRequest, tenant: Tenant | None) -> tenant_context:
        request.tenant = tenant  # type: ignore[attr-defined]
        urlconf = urlconf_for(tenant)
        if urlconf is not None:  # Django's handler resolves (and reverse() works) with request.urlconf
            request.urlconf = urlconf
        module = trace_module()
        trace = TraceAttributes(client_identifier=tenant.name if tenant else None, module=module)
        return tenant_context(tenant, trace)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.async_mode:
            return self.__acall__(request)
        try:
            tenant = self.resolve(request)
        except (MalformedTenant, InvalidTenantName) as exc:
            raise BadRequest(str(exc)) from exc
        except UnknownTenant as exc:
            return self.not_found(request, exc)
        with self._context(request, tenant):
            # No try/except here: Django's handler turns exceptions from inner layers into responses
            # before they reach us; TenantBusy from the view is answered in process_exception.
            return keep_tenant_for_streaming(self.get_response(request), tenant)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        try:
            if self._resolution_async_safe():
                tenant = self.resolve(request)
            else:  # the user or the catalog may need the database: not on the event loop
                tenant = await sync_to_async(self.resolve)(request)
        except (MalformedTenant, InvalidTenantName) as exc:
            raise BadRequest(str(exc)) from exc
        except UnknownTenant as exc:
            return await sync_to_async(self.not_found)(request, exc)
        with self._context(request, tenant):
            return keep_tenant_for_streaming(await self.get_response(request), tenant)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        self._trace_view(request, view_func)

    async def _aprocess_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        # Awaited in the request's own task, so the change lands in the context __acall__ resets.
        self._trace_view(request, view_func)

    @staticmethod
    def _trace_view(request: HttpRequest, view_func: Callable[..., Any]) -> None:
        # After URL resolution: the first moment the action is known, before the view's first query.
        # The reset in __call__ restores the value from before the request, so no token is needed here.
        match = request.resolver_match
        action = match.view_name if match is not None else view_func.__qualname__
        changes: dict[str, str | None] = {"action": action[:ACTION_MAX]}
        if trace_module() is None:
            changes["module"] = _app_of(view_func)
        update_trace_attributes(**changes)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        busy = find_tenant_busy(exception)
        return None if busy is None else self.busy_response(busy)

    @staticmethod
    def busy_response(exc: TenantBusy) -> HttpResponse:
        response = HttpResponse(
            f"Tenant {exc.tenant.name!r} is busy; retry shortly.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "1"
        return response
