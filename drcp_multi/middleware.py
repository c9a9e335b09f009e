"""``TenantMiddleware``: resolve the request's tenant, run the request under it, reset afterwards.

Sync and async capable. Per request it:

1. asks ``RESOLVERS`` for the tenant (first non-None answer) and looks the name up in the catalog;
   a malformed Host/header/path → 400 from ``TENANT_BAD_REQUEST(request, exc)`` (default
   :func:`drcp_multi.views.bad_tenant`), an unknown or disabled tenant → 404 from
   ``TENANT_NOT_FOUND(request, exc)`` (default :func:`drcp_multi.views.tenant_not_found`); no tenant
   named at all → the same, unless ``TENANT_REQUIRED`` is False (then the request runs without a
   tenant). Never a default tenant.
2. sets the tenant and the trace attributes (client_identifier = tenant, module = ``TRACE_MODULE`` or
   the view's app label, action = the URL name) in ContextVars, which the backend reads on
   checkout, and ``request.tenant``;
3. resets both when the response is returned, also when the view raised; a streaming response's
   content is produced later, by the server, so each chunk is made under the tenant again;
4. answers every "no connection in time" from the view with 503, ``Retry-After``
   (``DRCP_MULTI['RETRY_AFTER']``, default 1 s) and a warning on the ``drcp_multi.overload`` logger that
   names the limit and its setting: the pool (:class:`~drcp_multi.exceptions.PoolTimeout`, ``POOL
   ['max']``/``['wait_timeout']``), the tenant's cap (:class:`~drcp_multi.limits.TenantBusy`), the alias
   cap (:class:`~drcp_multi.limits.AliasBusy`), the broker (DPY-4024 after ``POOL['call_timeout']``) and
   a pool closed by a shutdown drain;
5. while the process drains for shutdown (:mod:`drcp_multi.lifecycle`), answers new requests 503 with
   ``Connection: close`` and lets those in flight finish;
6. sets :class:`drcp_multi.debug.CredentialFilter` as the request's exception reporter filter, so no
   error page (DEBUG or not) shows a database password.

Put it after AuthenticationMiddleware when a user-based resolver is used.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from drcp_multi.conf import drcp_setting, tenant_required, trace_module
from drcp_multi.contrib.urls import urlconf_for
from drcp_multi.debug import CredentialFilter
from drcp_multi.exceptions import InvalidTenantName, MalformedTenant, PoolClosed, PoolTimeout, UnknownTenant
from drcp_multi.lifecycle import get_request_gate
from drcp_multi.limits import AliasBusy, TenantBusy
from drcp_multi.tenancy.catalog import get_catalog
from drcp_multi.tenancy.context import (
    TraceAttributes,
    get_trace_attributes,
    tenant_context,
    update_trace_attributes,
)
from drcp_multi.tenancy.resolvers import load_resolvers, resolve_tenant_ref
from drcp_multi.tenant import Tenant
from drcp_multi.views import bad_tenant, tenant_not_found

logger = logging.getLogger("drcp_multi.overload")

DEFAULT_RETRY_AFTER = 1
# The driver's "call timeout exceeded": with POOL['call_timeout'] set, how a wait for a pooled server
# at the broker (which queues without limit) or a call that hangs ends.
CALL_TIMEOUT_CODES = frozenset({"DPY-4024"})
POOL_WAIT_CODES = frozenset({"DPY-4005"})  # the driver's pool wait timed out (outside the registry)

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
    for cause in _chain(exc):
        if isinstance(cause, TenantBusy):
            return cause
    return None


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and len(seen) < 10 and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _driver_code(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else None
    return str(getattr(arg, "full_code", "") or "")


@dataclass(frozen=True)
class Overload:
    """Why no connection came in time: what was refused, the limit, the setting that sets it."""

    what: str  # for the client: no names of settings, no secret
    limit: str
    setting: str
    exc: BaseException


def find_overload(exc: BaseException | None) -> Overload | None:
    """The overload ``exc`` stands for (looking through Django's wrappers), or None for other errors."""
    chain = _chain(exc)
    for cause in chain:
        if isinstance(cause, TenantBusy):
            name = cause.tenant.name
            return Overload(
                f"tenant {name!r} is at its limit of connections",
                f"max_busy={cause.tenant.max_busy} of tenant {name!r} for {cause.timeout:g} s",
                "the tenant's max_busy (catalog) and DRCP_MULTI['TENANT_WAIT_TIMEOUT']",
                cause,
            )
        if isinstance(cause, AliasBusy):
            return Overload(
                "the service is at its limit of database connections",
                f"{cause.limit} of alias {cause.alias!r}",
                cause.setting,
                cause,
            )
    for cause in chain:
        if isinstance(cause, PoolClosed):
            return Overload(
                "this instance is shutting down",
                "pools closed for shutdown" if get_request_gate().draining else "pool closed",
                "DRCP_MULTI['DRAIN_TIMEOUT']",
                cause,
            )
        if isinstance(cause, PoolTimeout):
            return Overload(
                "no database connection was free in time",
                "the pool's POOL['max'] within POOL['wait_timeout']",
                "DATABASES[alias]['POOL']['max'] / ['wait_timeout']",
                cause,
            )
        code = _driver_code(cause)
        if code in CALL_TIMEOUT_CODES:
            return Overload(
                "the database did not answer in time",
                f"the call timeout ({code}: every pooled server busy at the broker, or a slow call)",
                "DATABASES[alias]['POOL']['call_timeout']",
                cause,
            )
        if code in POOL_WAIT_CODES:
            return Overload(
                "no database connection was free in time",
                f"the driver's pool wait ({code})",
                "DATABASES[alias]['POOL']['wait_timeout']",
                cause,
            )
    return None


def retry_after() -> int:
    value = drcp_setting("RETRY_AFTER")
    return (
        max(0, int(value)) if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_RETRY_AFTER
    )


def service_unavailable(text: str, *, close: bool = False) -> HttpResponse:
    """503 with Retry-After (and Connection: close when this instance is going away)."""
    response = HttpResponse(f"{text}; retry shortly.\n", status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after())
    if close:
        response["Connection"] = "close"
    return response


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
        """``TENANT_NOT_FOUND(request, exc)``, default :func:`drcp_multi.views.tenant_not_found` (404)."""
        response: HttpResponse = _page_view("TENANT_NOT_FOUND", tenant_not_found)(request, exc)
        return response

    def bad_request(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        """``TENANT_BAD_REQUEST(request, exc)``, default :func:`drcp_multi.views.bad_tenant` (400)."""
        response: HttpResponse = _page_view("TENANT_BAD_REQUEST", bad_tenant)(request, exc)
        return response

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
        request.exception_reporter_filter = CredentialFilter()
        gate = get_request_gate()
        if not gate.enter():
            return self.draining_response()
        try:
            try:
                tenant = self.resolve(request)
            except (MalformedTenant, InvalidTenantName) as exc:
                return self.bad_request(request, exc)
            except UnknownTenant as exc:
                return self.not_found(request, exc)
            with self._context(request, tenant):
                # No try/except here: Django's handler turns exceptions from inner layers into responses
                # before they reach us; overloads from the view are answered in process_exception.
                return keep_tenant_for_streaming(self.get_response(request), tenant)
        finally:
            gate.leave()

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        request.exception_reporter_filter = CredentialFilter()
        gate = get_request_gate()
        if not gate.enter():
            return self.draining_response()
        try:
            try:
                if self._resolution_async_safe():
                    tenant = self.resolve(request)
                else:  # the user or the catalog may need the database: not on the event loop
                    tenant = await sync_to_async(self.resolve)(request)
            except (MalformedTenant, InvalidTenantName) as exc:
                return await sync_to_async(self.bad_request)(request, exc)
            except UnknownTenant as exc:
                return await sync_to_async(self.not_found)(request, exc)
            with self._context(request, tenant):
                return keep_tenant_for_streaming(await self.get_response(request), tenant)
        finally:
            gate.leave()

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
        overload = find_overload(exception)
        if overload is None:
            return None
        tenant = getattr(request, "tenant", None)
        logger.warning(
            "503 for %s %s (tenant %s): %s: limit %s; setting %s",
            request.method,
            request.path,
            tenant.name if isinstance(tenant, Tenant) else "-",
            overload.what,
            overload.limit,
            overload.setting,
        )
        return service_unavailable(overload.what[:1].upper() + overload.what[1:], close=gate_draining())

    @staticmethod
    def busy_response(exc: TenantBusy) -> HttpResponse:
        return service_unavailable(f"Tenant {exc.tenant.name!r} is busy")

    @staticmethod
    def draining_response() -> HttpResponse:
        return service_unavailable("This instance is shutting down", close=True)


def gate_draining() -> bool:
    return get_request_gate().draining


def _page_view(setting: str, default: Callable[[HttpRequest, Exception], HttpResponse]) -> Any:
    handler = drcp_setting(setting)
    if handler is None:
        return default
    return import_string(handler) if isinstance(handler, str) else handler
